package suite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/llm"
	"github.com/aiassure/aiassure/llm/double"
	"github.com/aiassure/aiassure/model/remote"
)

// Protocols are the endpoint protocols Dial knows: openai (OpenAI-compatible
// chat completions) and mapped (another JSON chat API, described by a
// remote.ChatMapping).
var Protocols = []string{"openai", "mapped"}

// Endpoint says how to reach the application under test.
type Endpoint struct {
	// URL is the endpoint, or double:CONFIG for the test double.
	URL string
	// Protocol is openai (the default) or mapped.
	Protocol string
	// Model is sent as the request's model.
	Model string
	// Mapping describes the API for the mapped protocol (required there).
	Mapping *remote.ChatMapping
	// DoubleOptions configure the test double (double:CONFIG only).
	DoubleOptions *double.Options
}

// Connect returns a client for the endpoint URL: a live OpenAI-compatible
// endpoint, with the token from AIASSURE_ENDPOINT_TOKEN when it is set, or
// for double:CONFIG the test double started on loopback. stop ends the
// double (a no-op for a live endpoint). It is Dial without a mapping.
func Connect(ctx context.Context, url, protocol, model string, opts ...remote.Option) (llm.Client, func() error, error) {
	return Dial(ctx, Endpoint{URL: url, Protocol: protocol, Model: model}, opts...)
}

// Dial returns a client for ep; see Connect. With the mapped protocol the
// URL is used as given (for the double, its chat-completions URL).
func Dial(ctx context.Context, ep Endpoint, opts ...remote.Option) (llm.Client, func() error, error) {
	switch ep.Protocol {
	case "", "openai":
		if ep.Mapping != nil {
			return nil, nil, fmt.Errorf("llm suite: a mapping is given, so use protocol mapped")
		}
	case "mapped":
		if ep.Mapping == nil {
			return nil, nil, fmt.Errorf("llm suite: protocol mapped needs a mapping file (-mapping, or artefacts.llm_endpoint.mapping)")
		}
	default:
		return nil, nil, fmt.Errorf("llm suite: protocol %q: want %s", ep.Protocol, strings.Join(Protocols, " or "))
	}
	url := ep.URL
	stop := func() error { return nil }
	if cfg, ok := strings.CutPrefix(url, DoublePrefix); ok {
		var o double.Options
		if ep.DoubleOptions != nil {
			o = *ep.DoubleOptions
		}
		u, st, err := double.StartWith(ctx, cfg, "", o)
		if err != nil {
			return nil, nil, fmt.Errorf("llm suite: test double: %w", err)
		}
		url, stop = u, st
		if ep.Mapping != nil {
			url += "/chat/completions"
		}
	} else if os.Getenv(TokenEnv) != "" {
		opts = append(opts, remote.WithBearerTokenEnv(TokenEnv))
	}
	if ep.Model != "" {
		opts = append(opts, remote.WithChatModel(ep.Model))
	}
	var c *remote.Chat
	var err error
	if ep.Mapping != nil {
		c, err = remote.NewMappedChat(url, *ep.Mapping, opts...)
	} else {
		c, err = remote.NewChat(url, opts...)
	}
	if err != nil {
		_ = stop()
		return nil, nil, fmt.Errorf("llm suite: %w", err)
	}
	return c, stop, nil
}

// maxMapping bounds a chat mapping file (1 MiB).
const maxMapping = 1 << 20

// LoadMapping reads a chat mapping file (YAML or JSON; docs/llm.md, "Other
// chat APIs"). Unknown fields are errors.
func LoadMapping(path string) (remote.ChatMapping, error) {
	b, err := limitio.ReadFile(path, maxMapping)
	if err != nil {
		return remote.ChatMapping{}, fmt.Errorf("chat mapping: %w", err)
	}
	var m remote.ChatMapping
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return remote.ChatMapping{}, fmt.Errorf("chat mapping %s: %w", path, err)
	}
	return m, nil
}
