//go:build !amd64 || purego

package onnx

func haveFMA() bool { return false }

func sgemm6x16(k int, a *float32, lda int, b *float32, c *float32, ldc int, fl int) {
	panic("sgemm6x16 without assembly")
}
