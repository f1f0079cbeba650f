package ledger

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/transparency-dev/tessera/api/layout"
)

// DefaultMaxBody is the default limit of an HTTP request body.
const DefaultMaxBody = 64 << 10

// ServerOptions configure Handler.
type ServerOptions struct {
	// Token is the bearer token every request but /healthz must carry;
	// "" disables authentication (the CLI allows that on loopback only,
	// and only when asked).
	Token string
	// MaxBody bounds a request body (default DefaultMaxBody).
	MaxBody int64
	Logger  *slog.Logger
}

// Handler serves the ledger's HTTP API (docs/ledger.md):
//
//	POST /v1/events          append one event (JSON); 200 with the receipt once durable
//	GET  /v1/checkpoint      the latest signed checkpoint
//	GET  /v1/proof/{index}   the entry's inclusion proof (C2SP tlog-proof)
//	POST /v1/forget          {"subject": S}: delete S's keys (crypto-shredding)
//	GET  /log/checkpoint, /log/tile/...  the C2SP tlog-tiles read API, for auditors
//	GET  /healthz            no authentication
func Handler(l *Ledger, o ServerOptions) http.Handler {
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	lg := o.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	h := &handler{l: l, o: o, log: lg}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", h.append)
	mux.HandleFunc("GET /v1/checkpoint", h.checkpoint)
	mux.HandleFunc("GET /v1/proof/{index}", h.proof)
	mux.HandleFunc("POST /v1/forget", h.forget)
	mux.HandleFunc("GET /log/", h.tiles)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	return h.auth(mux)
}

type handler struct {
	l   *Ledger
	o   ServerOptions
	log *slog.Logger
}

func (h *handler) auth(next http.Handler) http.Handler {
	return bearerAuth(h.o.Token, "aiassure-ledger", next)
}

// bearerAuth asks every request but GET /healthz for the bearer token;
// token "" lets every request through.
func bearerAuth(token, realm string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" && r.URL.Path != "/healthz" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
				httpError(w, http.StatusUnauthorized, "a valid bearer token is required (Authorization: Bearer TOKEN)")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// body reads a request body of at most MaxBody bytes.
func (h *handler) body(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.o.MaxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", h.o.MaxBody))
		} else {
			httpError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		}
		return nil, false
	}
	return b, true
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrInvalid):
		httpError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrStorage):
		h.log.ErrorContext(r.Context(), "ledger storage", "err", err)
		httpError(w, http.StatusServiceUnavailable, err.Error())
	case r.Context().Err() != nil:
		// the client went away: nothing to answer
	default:
		h.log.ErrorContext(r.Context(), "ledger", "path", r.URL.Path, "err", err)
		httpError(w, http.StatusInternalServerError, err.Error())
	}
}

func (h *handler) append(w http.ResponseWriter, r *http.Request) {
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	rc, err := h.l.AppendJSON(r.Context(), b)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, rc)
}

func (h *handler) checkpoint(w http.ResponseWriter, r *http.Request) {
	b, err := h.l.store.readCheckpoint(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(b)
}

func (h *handler) proof(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.ParseUint(r.PathValue("index"), 10, 64)
	if err != nil {
		httpError(w, http.StatusBadRequest, "the index is not a number")
		return
	}
	p, err := newProver(r.Context(), h.l.store)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if i >= p.Size() {
		httpError(w, http.StatusNotFound, fmt.Sprintf("entry %d is not covered by the latest checkpoint (size %d)", i, p.Size()))
		return
	}
	pr, err := p.Prove(r.Context(), i)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(pr.Marshal())
}

func (h *handler) forget(w http.ResponseWriter, r *http.Request) {
	b, ok := h.body(w, r)
	if !ok {
		return
	}
	var req struct {
		Subject string `json:"subject"`
	}
	if err := json.Unmarshal(b, &req); err != nil || req.Subject == "" {
		httpError(w, http.StatusBadRequest, `want {"subject": "..."}`)
		return
	}
	n, err := h.l.Forget(req.Subject)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, map[string]int{"keys_deleted": n})
}

// tiles serves the checkpoint, hash tiles and entry bundles read-only, and
// nothing else of the log (not the POSIX driver's .state).
func (h *handler) tiles(w http.ResponseWriter, r *http.Request) {
	p := path.Clean(strings.TrimPrefix(r.URL.Path, "/log/"))
	if p != layout.CheckpointPath && !strings.HasPrefix(p, "tile/") {
		httpError(w, http.StatusNotFound, "not part of the tlog-tiles read API")
		return
	}
	if fs, ok := h.l.store.src.(fileSource); ok {
		http.ServeFile(w, r, fs.root+"/"+p)
		return
	}
	b, err := readPath(r.Context(), h.l.store.src, p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		httpError(w, http.StatusNotFound, "not in the log")
	case err != nil:
		h.fail(w, r, err)
	default:
		if p == layout.CheckpointPath {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "application/octet-stream")
		}
		w.Write(b)
	}
}

// readPath reads the resource at a tlog-tiles path from src; a path that
// names none is os.ErrNotExist.
func readPath(ctx context.Context, src source, p string) ([]byte, error) {
	if p == layout.CheckpointPath {
		return src.checkpoint(ctx)
	}
	rest := strings.TrimPrefix(p, "tile/")
	if idx, ok := strings.CutPrefix(rest, "entries/"); ok {
		i, wd, err := layout.ParseTileIndexPartial(idx)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", os.ErrNotExist, p, err)
		}
		b, _, err := src.bundle(ctx, i, wd)
		return b, err
	}
	level, idx, _ := strings.Cut(rest, "/")
	l, i, wd, err := layout.ParseTileLevelIndexPartial(level, idx)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", os.ErrNotExist, p, err)
	}
	b, _, err := src.tile(ctx, l, i, wd)
	return b, err
}
