//go:build !amd64 || purego

package onnx

func haveFMA() bool { return false }

func sgemm6x16(k int, a *float32, lda int, b *float32, c *float32, ldc int, fl int) {
	panic("sgemm6x16 without assembly")
}

func sconv6x16(k int, a *float32, lda int, x *float32, offs *int32, hi int, c *float32, ldc int, rows int, bias *float32, fl int) {
	panic("sconv6x16 without assembly")
}

func vexpsum(dst, src *float32, n int, sub float32) float32 { panic("vexpsum without assembly") }

func vgelu(dst, src *float32, n int, rc, h float32) { panic("vgelu without assembly") }

func vlayernorm(out, x, scale, bias *float32, n int, eps float32) (mean, inv float32) {
	panic("vlayernorm without assembly")
}
