package dataset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aiassure/aiassure/model"
)

// ImageOptions configure an image folder.
type ImageOptions struct {
	// Width and Height fix the image size; every image must have it. Zero:
	// the size of the first image.
	Width, Height int
	// Channels is 1 (grey) or 3 (RGB); zero: 1 when the first image is grey,
	// else 3. Colour images are converted to grey with the standard library's
	// luminance weights when Channels is 1.
	Channels int
}

type imageFile struct {
	path  string
	class int
}

type imageReader struct {
	files []imageFile
	pos   int
	info  Info
	lim   Limits
	c     int
}

// OpenImages opens a folder with one sub-folder per class (the sub-folders'
// names, sorted, are the classes) of PNG or JPEG images. Samples have shape
// [Channels, Height, Width] with values scaled to [0, 1]; alpha is ignored
// (colours are taken as premultiplied over black).
func OpenImages(root string, opt Options) (Reader, error) {
	lim := opt.Limits.withDefaults()
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("open image folder: %w", err)
	}
	r := &imageReader{lim: lim, info: Info{Path: root, Format: "images", Label: "folder", Rows: -1}}
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			r.info.Classes = append(r.info.Classes, e.Name())
		}
	}
	slices.Sort(r.info.Classes)
	if len(r.info.Classes) == 0 {
		return nil, fmt.Errorf("%s: no class sub-folders", root)
	}
	for k, c := range r.info.Classes {
		files, err := os.ReadDir(filepath.Join(root, c))
		if err != nil {
			return nil, fmt.Errorf("open image folder: %w", err)
		}
		for _, f := range files {
			ext := strings.ToLower(filepath.Ext(f.Name()))
			if f.IsDir() || strings.HasPrefix(f.Name(), ".") || (ext != ".png" && ext != ".jpg" && ext != ".jpeg") {
				continue
			}
			if len(r.files) >= lim.MaxRows {
				return nil, fmt.Errorf("%s: more than %d images: %w", root, lim.MaxRows, ErrLimit)
			}
			r.files = append(r.files, imageFile{path: filepath.Join(root, c, f.Name()), class: k})
		}
	}
	if len(r.files) == 0 {
		return nil, fmt.Errorf("%s: no PNG or JPEG images in the class sub-folders", root)
	}
	w, h, c := opt.Image.Width, opt.Image.Height, opt.Image.Channels
	if c != 0 && c != 1 && c != 3 {
		return nil, fmt.Errorf("image channels %d: want 1 or 3", c)
	}
	if w < 0 || h < 0 {
		return nil, fmt.Errorf("image size %dx%d: must not be negative", w, h)
	}
	if w == 0 || h == 0 || c == 0 {
		cfg, err := imageConfig(r.files[0].path, lim)
		if err != nil {
			return nil, err
		}
		if w == 0 || h == 0 {
			w, h = cfg.Width, cfg.Height
		}
		if c == 0 {
			c = 3
			switch cfg.ColorModel {
			case color.GrayModel, color.Gray16Model:
				c = 1
			}
		}
	}
	if w*h > lim.MaxImagePixel || w*h*c > lim.MaxCols {
		return nil, fmt.Errorf("image size %dx%dx%d is beyond the limits: %w", c, h, w, ErrLimit)
	}
	r.c = c
	r.info.Shape = []int{c, h, w}
	r.info.Rows = len(r.files)
	for ch := range c {
		for y := range h {
			for x := range w {
				r.info.Features = append(r.info.Features, fmt.Sprintf("c%d_y%d_x%d", ch, y, x))
			}
		}
	}
	return r, nil
}

func imageConfig(path string, lim Limits) (image.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return image.Config{}, fmt.Errorf("open image: %w", err)
	}
	defer f.Close()
	if err := checkSize(f, lim); err != nil {
		return image.Config{}, err
	}
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return image.Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > lim.MaxImagePixel/max(cfg.Height, 1) {
		return image.Config{}, fmt.Errorf("%s: image size %dx%d is beyond the limit of %d pixels: %w", path, cfg.Width, cfg.Height, lim.MaxImagePixel, ErrLimit)
	}
	return cfg, nil
}

func (r *imageReader) Info() Info   { return r.info }
func (r *imageReader) Close() error { return nil }

func (r *imageReader) Next(ctx context.Context, n int) (*Batch, error) {
	if n <= 0 {
		return nil, fmt.Errorf("batch size %d: must be positive", n)
	}
	if r.pos >= len(r.files) {
		return nil, io.EOF
	}
	k := min(n, len(r.files)-r.pos)
	rowLen := r.info.Shape[0] * r.info.Shape[1] * r.info.Shape[2]
	data := make([]float32, 0, k*rowLen)
	y := make([]int, 0, k)
	for _, f := range r.files[r.pos : r.pos+k] {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		data, err = r.decode(f.path, data)
		if err != nil {
			return nil, err
		}
		y = append(y, f.class)
	}
	r.pos += k
	return &Batch{X: &model.Tensor{Shape: append([]int{k}, r.info.Shape...), Data: data}, Y: y}, nil
}

// DecodeImage decodes one PNG or JPEG image from rd into dst as [c, h, w]
// values in [0, 1]; the image must be w by h pixels.
func DecodeImage(rd io.Reader, c, h, w int, lim Limits, dst []float32) ([]float32, error) {
	lim = lim.withDefaults()
	data, err := io.ReadAll(io.LimitReader(rd, lim.MaxBytes+1))
	if err != nil {
		return dst, err
	}
	if int64(len(data)) > lim.MaxBytes {
		return dst, fmt.Errorf("image is longer than %d bytes: %w", lim.MaxBytes, ErrLimit)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return dst, err
	}
	if cfg.Width != w || cfg.Height != h {
		return dst, fmt.Errorf("image is %dx%d, want %dx%d", cfg.Width, cfg.Height, w, h)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return dst, err
	}
	b := img.Bounds()
	if b.Dx() != w || b.Dy() != h {
		return dst, errors.New("decoded image size differs from its header")
	}
	base := len(dst)
	dst = append(dst, make([]float32, c*h*w)...)
	out := dst[base:]
	for y := range h {
		for x := range w {
			px := img.At(b.Min.X+x, b.Min.Y+y)
			if c == 1 {
				g := color.Gray16Model.Convert(px).(color.Gray16)
				out[y*w+x] = float32(g.Y) / 65535
				continue
			}
			rr, gg, bb, _ := px.RGBA()
			out[0*h*w+y*w+x] = float32(rr) / 65535
			out[1*h*w+y*w+x] = float32(gg) / 65535
			out[2*h*w+y*w+x] = float32(bb) / 65535
		}
	}
	return dst, nil
}

func (r *imageReader) decode(path string, dst []float32) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return dst, fmt.Errorf("open image: %w", err)
	}
	defer f.Close()
	if err := checkSize(f, r.lim); err != nil {
		return dst, err
	}
	dst, err = DecodeImage(f, r.c, r.info.Shape[1], r.info.Shape[2], r.lim, dst)
	if err != nil {
		return dst, fmt.Errorf("%s: %w", path, err)
	}
	return dst, nil
}
