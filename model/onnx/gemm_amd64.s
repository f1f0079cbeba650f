//go:build amd64 && !purego

#include "textflag.h"

// func sgemm6x16(k int, a *float32, lda int, b *float32, c *float32, ldc int, fl int)
//
// Twelve accumulators hold a 6×16 tile of C (two 8-float registers per
// row). Each step broadcasts one element of each of the 6 rows of A and
// multiplies it by 16 consecutive floats of the packed panel of B.
TEXT ·sgemm6x16(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	MOVQ b+24(FP), DX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9
	LEAQ (SI)(R8*2), R11
	ADDQ R8, R11

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	TESTQ CX, CX
	JEQ   store

loop:
	VMOVUPS      (DX), Y12
	VMOVUPS      32(DX), Y13
	VBROADCASTSS (SI), Y14
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VBROADCASTSS (SI)(R8*1), Y15
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS (SI)(R8*2), Y14
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VBROADCASTSS (R11), Y15
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS (R11)(R8*1), Y14
	VFMADD231PS  Y12, Y14, Y8
	VFMADD231PS  Y13, Y14, Y9
	VBROADCASTSS (R11)(R8*2), Y15
	VFMADD231PS  Y12, Y15, Y10
	VFMADD231PS  Y13, Y15, Y11
	ADDQ         $4, SI
	ADDQ         $4, R11
	ADDQ         $64, DX
	DECQ         CX
	JNZ          loop

store:
	LEAQ  (DI)(R9*2), R12
	ADDQ  R9, R12
	MOVQ  fl+48(FP), AX
	TESTQ $1, AX
	JEQ   relu
	VADDPS (DI), Y0, Y0
	VADDPS 32(DI), Y1, Y1
	VADDPS (DI)(R9*1), Y2, Y2
	VADDPS 32(DI)(R9*1), Y3, Y3
	VADDPS (DI)(R9*2), Y4, Y4
	VADDPS 32(DI)(R9*2), Y5, Y5
	VADDPS (R12), Y6, Y6
	VADDPS 32(R12), Y7, Y7
	VADDPS (R12)(R9*1), Y8, Y8
	VADDPS 32(R12)(R9*1), Y9, Y9
	VADDPS (R12)(R9*2), Y10, Y10
	VADDPS 32(R12)(R9*2), Y11, Y11

relu:
	TESTQ  $2, AX
	JEQ    write
	VXORPS Y12, Y12, Y12
	VMAXPS Y12, Y0, Y0
	VMAXPS Y12, Y1, Y1
	VMAXPS Y12, Y2, Y2
	VMAXPS Y12, Y3, Y3
	VMAXPS Y12, Y4, Y4
	VMAXPS Y12, Y5, Y5
	VMAXPS Y12, Y6, Y6
	VMAXPS Y12, Y7, Y7
	VMAXPS Y12, Y8, Y8
	VMAXPS Y12, Y9, Y9
	VMAXPS Y12, Y10, Y10
	VMAXPS Y12, Y11, Y11

write:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, (DI)(R9*1)
	VMOVUPS Y3, 32(DI)(R9*1)
	VMOVUPS Y4, (DI)(R9*2)
	VMOVUPS Y5, 32(DI)(R9*2)
	VMOVUPS Y6, (R12)
	VMOVUPS Y7, 32(R12)
	VMOVUPS Y8, (R12)(R9*1)
	VMOVUPS Y9, 32(R12)(R9*1)
	VMOVUPS Y10, (R12)(R9*2)
	VMOVUPS Y11, 32(R12)(R9*2)
	VZEROUPPER
	RET

// func sconv6x16(k int, a *float32, lda int, x *float32, offs *int32, hi int, c *float32, ldc int, rows int, bias *float32, fl int)
//
// The direct-convolution kernel: as sgemm6x16, but row p of B is not packed:
// its 16 floats are x[offs[p]:][:8] and x[offs[p]+hi:][:8], so B is read
// straight from the (padded) input planes. bias[i] is added to row i after
// the sum (as the panel path adds the sum to C preset to the bias, so the
// two round alike); only the first rows rows of the tile are stored.
TEXT ·sconv6x16(SB), NOSPLIT, $0-88
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	MOVQ x+24(FP), DX
	MOVQ offs+32(FP), R13
	MOVQ hi+40(FP), R10
	SHLQ $2, R10
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R9
	SHLQ $2, R9
	MOVQ bias+72(FP), BX
	LEAQ (SI)(R8*2), R11
	ADDQ R8, R11

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	TESTQ CX, CX
	JEQ   cstore

cloop:
	MOVLQSX      (R13), AX
	LEAQ         (DX)(AX*4), R14
	VMOVUPS      (R14), Y12
	VMOVUPS      (R14)(R10*1), Y13
	VBROADCASTSS (SI), Y14
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VBROADCASTSS (SI)(R8*1), Y15
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS (SI)(R8*2), Y14
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VBROADCASTSS (R11), Y15
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS (R11)(R8*1), Y14
	VFMADD231PS  Y12, Y14, Y8
	VFMADD231PS  Y13, Y14, Y9
	VBROADCASTSS (R11)(R8*2), Y15
	VFMADD231PS  Y12, Y15, Y10
	VFMADD231PS  Y13, Y15, Y11
	ADDQ         $4, SI
	ADDQ         $4, R11
	ADDQ         $4, R13
	DECQ         CX
	JNZ          cloop

cstore:
	VBROADCASTSS (BX), Y12
	VADDPS       Y12, Y0, Y0
	VADDPS       Y12, Y1, Y1
	VBROADCASTSS 4(BX), Y12
	VADDPS       Y12, Y2, Y2
	VADDPS       Y12, Y3, Y3
	VBROADCASTSS 8(BX), Y12
	VADDPS       Y12, Y4, Y4
	VADDPS       Y12, Y5, Y5
	VBROADCASTSS 12(BX), Y12
	VADDPS       Y12, Y6, Y6
	VADDPS       Y12, Y7, Y7
	VBROADCASTSS 16(BX), Y12
	VADDPS       Y12, Y8, Y8
	VADDPS       Y12, Y9, Y9
	VBROADCASTSS 20(BX), Y12
	VADDPS       Y12, Y10, Y10
	VADDPS       Y12, Y11, Y11
	MOVQ         fl+80(FP), AX
	TESTQ $2, AX
	JEQ   cwrite
	VXORPS Y12, Y12, Y12
	VMAXPS Y12, Y0, Y0
	VMAXPS Y12, Y1, Y1
	VMAXPS Y12, Y2, Y2
	VMAXPS Y12, Y3, Y3
	VMAXPS Y12, Y4, Y4
	VMAXPS Y12, Y5, Y5
	VMAXPS Y12, Y6, Y6
	VMAXPS Y12, Y7, Y7
	VMAXPS Y12, Y8, Y8
	VMAXPS Y12, Y9, Y9
	VMAXPS Y12, Y10, Y10
	VMAXPS Y12, Y11, Y11

cwrite:
	MOVQ    rows+64(FP), BX
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	CMPQ    BX, $1
	JLE     cdone
	ADDQ    R9, DI
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	CMPQ    BX, $2
	JLE     cdone
	ADDQ    R9, DI
	VMOVUPS Y4, (DI)
	VMOVUPS Y5, 32(DI)
	CMPQ    BX, $3
	JLE     cdone
	ADDQ    R9, DI
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, 32(DI)
	CMPQ    BX, $4
	JLE     cdone
	ADDQ    R9, DI
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 32(DI)
	CMPQ    BX, $5
	JLE     cdone
	ADDQ    R9, DI
	VMOVUPS Y10, (DI)
	VMOVUPS Y11, 32(DI)

cdone:
	VZEROUPPER
	RET

// func cpuid(eaxIn, ecxIn uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxIn+0(FP), AX
	MOVL ecxIn+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET
