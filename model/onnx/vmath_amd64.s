//go:build amd64 && !purego

#include "textflag.h"

// Vector exp and GELU with AVX2 and FMA, 8 floats at a time (vmath.go).
// The constants, each repeated in 8 lanes, are at vmconst; tools/fit_vmath.py
// fits the erf polynomials and writes the table.

// EXP sets X to exp(X) for X in [-87.33, 88]: 2^n · p(r), n = round(X·log2 e),
// r = X − n·ln 2 in two parts, p the degree-7 Taylor polynomial. Below the
// range it gives 0, above it exp(88); NaN stays NaN. N, T and M are scratch.
#define EXP(X, N, T, M) \
	VMOVAPS      X, M; \
	VMAXPS       96(R8), X, X; \
	VMINPS       128(R8), X, X; \
	VMULPS       (R8), X, N; \
	VROUNDPS     $0, N, N; \
	VFNMADD231PS 32(R8), N, X; \
	VFNMADD231PS 64(R8), N, X; \
	VMOVAPS      160(R8), T; \
	VFMADD213PS  192(R8), X, T; \
	VFMADD213PS  224(R8), X, T; \
	VFMADD213PS  256(R8), X, T; \
	VFMADD213PS  288(R8), X, T; \
	VFMADD213PS  320(R8), X, T; \
	VFMADD213PS  352(R8), X, T; \
	VFMADD213PS  384(R8), X, T; \
	VCVTPS2DQ    N, N; \
	VPSLLD       $23, N, N; \
	VPADDD       928(R8), N, N; \
	VMULPS       N, T, X; \
	VCMPPS       $5, 96(R8), M, N; \
	VANDPS       N, X, X; \
	VCMPPS       $3, M, M, N; \
	VBLENDVPS    N, M, X, X

// func vexpsum(dst, src *float32, n int, sub float32) float32
//
// dst[i] = exp(src[i] − sub) for i < n rounded down to a multiple of 8;
// returns their sum.
TEXT ·vexpsum(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	SHRQ         $3, CX
	VBROADCASTSS sub+24(FP), Y8
	VXORPS       Y9, Y9, Y9
	LEAQ         ·vmconst(SB), R8
	TESTQ        CX, CX
	JEQ          esdone

esloop:
	VMOVUPS (SI), Y0
	VSUBPS  Y8, Y0, Y0
	EXP(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	VADDPS  Y0, Y9, Y9
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     esloop

esdone:
	VEXTRACTF128 $1, Y9, X1
	VADDPS       X1, X9, X0
	VPERMILPS    $0x4e, X0, X1
	VADDPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VADDPS       X1, X0, X0
	MOVSS        X0, ret+32(FP)
	VZEROUPPER
	RET

// func vgelu(dst, src *float32, n int, rc, h float32)
//
// dst[i] = src[i]·(1 + erf(src[i]·rc))·h for i < n rounded down to a
// multiple of 8; erf(z) = z·P(z²) for |z| <= 0.921875, else
// sign(z)·(1 − exp(Q(min(|z|, 3.925)))).
TEXT ·vgelu(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	SHRQ         $3, CX
	VBROADCASTSS rc+24(FP), Y10
	VBROADCASTSS h+28(FP), Y11
	LEAQ         ·vmconst(SB), R8
	TESTQ        CX, CX
	JEQ          gdone

gloop:
	VMOVUPS     (SI), Y0
	VMULPS      Y10, Y0, Y1
	VANDPS      960(R8), Y1, Y2
	VXORPS      Y2, Y1, Y3
	VMULPS      Y2, Y2, Y4
	VMOVAPS     480(R8), Y5
	VFMADD213PS 512(R8), Y4, Y5
	VFMADD213PS 544(R8), Y4, Y5
	VFMADD213PS 576(R8), Y4, Y5
	VFMADD213PS 608(R8), Y4, Y5
	VFMADD213PS 640(R8), Y4, Y5
	VMULPS      Y2, Y5, Y5
	VMINPS      448(R8), Y2, Y6
	VMOVAPS     672(R8), Y7
	VFMADD213PS 704(R8), Y6, Y7
	VFMADD213PS 736(R8), Y6, Y7
	VFMADD213PS 768(R8), Y6, Y7
	VFMADD213PS 800(R8), Y6, Y7
	VFMADD213PS 832(R8), Y6, Y7
	VFMADD213PS 864(R8), Y6, Y7
	VFMADD213PS 896(R8), Y6, Y7
	EXP(Y7, Y12, Y13, Y14)
	VMOVAPS     928(R8), Y6
	VSUBPS      Y7, Y6, Y6
	VCMPPS      $2, 416(R8), Y2, Y4
	VBLENDVPS   Y4, Y5, Y6, Y6
	VORPS       Y3, Y6, Y6
	VADDPS      928(R8), Y6, Y6
	VMULPS      Y0, Y6, Y6
	VMULPS      Y11, Y6, Y6
	VMOVUPS     Y6, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         gloop

gdone:
	VZEROUPPER
	RET

// HSUM sets the low lane of X (the low half of Y) to the sum of Y's lanes.
#define HSUM(Y, X, T) \
	VEXTRACTF128 $1, Y, T; \
	VADDPS       T, X, X; \
	VPERMILPS    $0x4e, X, T; \
	VADDPS       T, X, X; \
	VPERMILPS    $0xb1, X, T; \
	VADDPS       T, X, X

// func vlayernorm(out, x, scale, bias *float32, n int, eps float32) (mean, inv float32)
//
// One row of LayerNormalization, n a positive multiple of 8: mean and
// variance in two passes, then out = (x − mean)·inv·scale + bias with
// inv = 1/sqrt(variance + eps).
TEXT ·vlayernorm(SB), NOSPLIT, $0-56
	MOVQ     out+0(FP), DI
	MOVQ     x+8(FP), SI
	MOVQ     scale+16(FP), R9
	MOVQ     bias+24(FP), R10
	MOVQ     n+32(FP), CX
	CVTSQ2SS CX, X1
	SHRQ     $3, CX
	LEAQ     ·vmconst(SB), R8
	VXORPS   Y0, Y0, Y0
	MOVQ     SI, AX
	MOVQ     CX, BX

lnsum:
	VADDPS (AX), Y0, Y0
	ADDQ   $32, AX
	DECQ   BX
	JNZ    lnsum
	HSUM(Y0, X0, X4)
	VDIVSS       X1, X0, X0
	VBROADCASTSS X0, Y2
	VXORPS       Y3, Y3, Y3
	MOVQ         SI, AX
	MOVQ         CX, BX

lnvar:
	VMOVUPS     (AX), Y4
	VSUBPS      Y2, Y4, Y4
	VFMADD231PS Y4, Y4, Y3
	ADDQ        $32, AX
	DECQ        BX
	JNZ         lnvar
	HSUM(Y3, X3, X4)
	VDIVSS       X1, X3, X3
	VADDSS       eps+40(FP), X3, X3
	VSQRTSS      X3, X3, X3
	VMOVSS       928(R8), X5
	VDIVSS       X3, X5, X5
	VBROADCASTSS X5, Y5

lnout:
	VMOVUPS (SI), Y4
	VSUBPS  Y2, Y4, Y4
	VMULPS  Y5, Y4, Y4
	VMULPS  (R9), Y4, Y4
	VADDPS  (R10), Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R9
	ADDQ    $32, R10
	DECQ    CX
	JNZ     lnout
	MOVSS   X0, mean+48(FP)
	MOVSS   X5, inv+52(FP)
	VZEROUPPER
	RET

// erf: largest absolute error of the float32 evaluation 1.38e-07 (tools/fit_vmath.py)
// log2e = 1.4426950216293335
DATA ·vmconst+0(SB)/4, $0x3fb8aa3b
DATA ·vmconst+4(SB)/4, $0x3fb8aa3b
DATA ·vmconst+8(SB)/4, $0x3fb8aa3b
DATA ·vmconst+12(SB)/4, $0x3fb8aa3b
DATA ·vmconst+16(SB)/4, $0x3fb8aa3b
DATA ·vmconst+20(SB)/4, $0x3fb8aa3b
DATA ·vmconst+24(SB)/4, $0x3fb8aa3b
DATA ·vmconst+28(SB)/4, $0x3fb8aa3b
// ln2hi = 0.693145751953125
DATA ·vmconst+32(SB)/4, $0x3f317200
DATA ·vmconst+36(SB)/4, $0x3f317200
DATA ·vmconst+40(SB)/4, $0x3f317200
DATA ·vmconst+44(SB)/4, $0x3f317200
DATA ·vmconst+48(SB)/4, $0x3f317200
DATA ·vmconst+52(SB)/4, $0x3f317200
DATA ·vmconst+56(SB)/4, $0x3f317200
DATA ·vmconst+60(SB)/4, $0x3f317200
// ln2lo = 1.428606765330187e-06
DATA ·vmconst+64(SB)/4, $0x35bfbe8e
DATA ·vmconst+68(SB)/4, $0x35bfbe8e
DATA ·vmconst+72(SB)/4, $0x35bfbe8e
DATA ·vmconst+76(SB)/4, $0x35bfbe8e
DATA ·vmconst+80(SB)/4, $0x35bfbe8e
DATA ·vmconst+84(SB)/4, $0x35bfbe8e
DATA ·vmconst+88(SB)/4, $0x35bfbe8e
DATA ·vmconst+92(SB)/4, $0x35bfbe8e
// explo = -87.33000183105469
DATA ·vmconst+96(SB)/4, $0xc2aea8f6
DATA ·vmconst+100(SB)/4, $0xc2aea8f6
DATA ·vmconst+104(SB)/4, $0xc2aea8f6
DATA ·vmconst+108(SB)/4, $0xc2aea8f6
DATA ·vmconst+112(SB)/4, $0xc2aea8f6
DATA ·vmconst+116(SB)/4, $0xc2aea8f6
DATA ·vmconst+120(SB)/4, $0xc2aea8f6
DATA ·vmconst+124(SB)/4, $0xc2aea8f6
// exphi = 88.0
DATA ·vmconst+128(SB)/4, $0x42b00000
DATA ·vmconst+132(SB)/4, $0x42b00000
DATA ·vmconst+136(SB)/4, $0x42b00000
DATA ·vmconst+140(SB)/4, $0x42b00000
DATA ·vmconst+144(SB)/4, $0x42b00000
DATA ·vmconst+148(SB)/4, $0x42b00000
DATA ·vmconst+152(SB)/4, $0x42b00000
DATA ·vmconst+156(SB)/4, $0x42b00000
// exp7 = 0.00019841270113829523
DATA ·vmconst+160(SB)/4, $0x39500d01
DATA ·vmconst+164(SB)/4, $0x39500d01
DATA ·vmconst+168(SB)/4, $0x39500d01
DATA ·vmconst+172(SB)/4, $0x39500d01
DATA ·vmconst+176(SB)/4, $0x39500d01
DATA ·vmconst+180(SB)/4, $0x39500d01
DATA ·vmconst+184(SB)/4, $0x39500d01
DATA ·vmconst+188(SB)/4, $0x39500d01
// exp6 = 0.0013888889225199819
DATA ·vmconst+192(SB)/4, $0x3ab60b61
DATA ·vmconst+196(SB)/4, $0x3ab60b61
DATA ·vmconst+200(SB)/4, $0x3ab60b61
DATA ·vmconst+204(SB)/4, $0x3ab60b61
DATA ·vmconst+208(SB)/4, $0x3ab60b61
DATA ·vmconst+212(SB)/4, $0x3ab60b61
DATA ·vmconst+216(SB)/4, $0x3ab60b61
DATA ·vmconst+220(SB)/4, $0x3ab60b61
// exp5 = 0.008333333767950535
DATA ·vmconst+224(SB)/4, $0x3c088889
DATA ·vmconst+228(SB)/4, $0x3c088889
DATA ·vmconst+232(SB)/4, $0x3c088889
DATA ·vmconst+236(SB)/4, $0x3c088889
DATA ·vmconst+240(SB)/4, $0x3c088889
DATA ·vmconst+244(SB)/4, $0x3c088889
DATA ·vmconst+248(SB)/4, $0x3c088889
DATA ·vmconst+252(SB)/4, $0x3c088889
// exp4 = 0.0416666679084301
DATA ·vmconst+256(SB)/4, $0x3d2aaaab
DATA ·vmconst+260(SB)/4, $0x3d2aaaab
DATA ·vmconst+264(SB)/4, $0x3d2aaaab
DATA ·vmconst+268(SB)/4, $0x3d2aaaab
DATA ·vmconst+272(SB)/4, $0x3d2aaaab
DATA ·vmconst+276(SB)/4, $0x3d2aaaab
DATA ·vmconst+280(SB)/4, $0x3d2aaaab
DATA ·vmconst+284(SB)/4, $0x3d2aaaab
// exp3 = 0.1666666716337204
DATA ·vmconst+288(SB)/4, $0x3e2aaaab
DATA ·vmconst+292(SB)/4, $0x3e2aaaab
DATA ·vmconst+296(SB)/4, $0x3e2aaaab
DATA ·vmconst+300(SB)/4, $0x3e2aaaab
DATA ·vmconst+304(SB)/4, $0x3e2aaaab
DATA ·vmconst+308(SB)/4, $0x3e2aaaab
DATA ·vmconst+312(SB)/4, $0x3e2aaaab
DATA ·vmconst+316(SB)/4, $0x3e2aaaab
// exp2 = 0.5
DATA ·vmconst+320(SB)/4, $0x3f000000
DATA ·vmconst+324(SB)/4, $0x3f000000
DATA ·vmconst+328(SB)/4, $0x3f000000
DATA ·vmconst+332(SB)/4, $0x3f000000
DATA ·vmconst+336(SB)/4, $0x3f000000
DATA ·vmconst+340(SB)/4, $0x3f000000
DATA ·vmconst+344(SB)/4, $0x3f000000
DATA ·vmconst+348(SB)/4, $0x3f000000
// exp1 = 1.0
DATA ·vmconst+352(SB)/4, $0x3f800000
DATA ·vmconst+356(SB)/4, $0x3f800000
DATA ·vmconst+360(SB)/4, $0x3f800000
DATA ·vmconst+364(SB)/4, $0x3f800000
DATA ·vmconst+368(SB)/4, $0x3f800000
DATA ·vmconst+372(SB)/4, $0x3f800000
DATA ·vmconst+376(SB)/4, $0x3f800000
DATA ·vmconst+380(SB)/4, $0x3f800000
// exp0 = 1.0
DATA ·vmconst+384(SB)/4, $0x3f800000
DATA ·vmconst+388(SB)/4, $0x3f800000
DATA ·vmconst+392(SB)/4, $0x3f800000
DATA ·vmconst+396(SB)/4, $0x3f800000
DATA ·vmconst+400(SB)/4, $0x3f800000
DATA ·vmconst+404(SB)/4, $0x3f800000
DATA ·vmconst+408(SB)/4, $0x3f800000
DATA ·vmconst+412(SB)/4, $0x3f800000
// split = 0.921875
DATA ·vmconst+416(SB)/4, $0x3f6c0000
DATA ·vmconst+420(SB)/4, $0x3f6c0000
DATA ·vmconst+424(SB)/4, $0x3f6c0000
DATA ·vmconst+428(SB)/4, $0x3f6c0000
DATA ·vmconst+432(SB)/4, $0x3f6c0000
DATA ·vmconst+436(SB)/4, $0x3f6c0000
DATA ·vmconst+440(SB)/4, $0x3f6c0000
DATA ·vmconst+444(SB)/4, $0x3f6c0000
// upper = 3.924999952316284
DATA ·vmconst+448(SB)/4, $0x407b3333
DATA ·vmconst+452(SB)/4, $0x407b3333
DATA ·vmconst+456(SB)/4, $0x407b3333
DATA ·vmconst+460(SB)/4, $0x407b3333
DATA ·vmconst+464(SB)/4, $0x407b3333
DATA ·vmconst+468(SB)/4, $0x407b3333
DATA ·vmconst+472(SB)/4, $0x407b3333
DATA ·vmconst+476(SB)/4, $0x407b3333
// small0 = -0.0006047158385626972
DATA ·vmconst+480(SB)/4, $0xba1e85cb
DATA ·vmconst+484(SB)/4, $0xba1e85cb
DATA ·vmconst+488(SB)/4, $0xba1e85cb
DATA ·vmconst+492(SB)/4, $0xba1e85cb
DATA ·vmconst+496(SB)/4, $0xba1e85cb
DATA ·vmconst+500(SB)/4, $0xba1e85cb
DATA ·vmconst+504(SB)/4, $0xba1e85cb
DATA ·vmconst+508(SB)/4, $0xba1e85cb
// small1 = 0.005005626007914543
DATA ·vmconst+512(SB)/4, $0x3ba4063c
DATA ·vmconst+516(SB)/4, $0x3ba4063c
DATA ·vmconst+520(SB)/4, $0x3ba4063c
DATA ·vmconst+524(SB)/4, $0x3ba4063c
DATA ·vmconst+528(SB)/4, $0x3ba4063c
DATA ·vmconst+532(SB)/4, $0x3ba4063c
DATA ·vmconst+536(SB)/4, $0x3ba4063c
DATA ·vmconst+540(SB)/4, $0x3ba4063c
// small2 = -0.026776403188705444
DATA ·vmconst+544(SB)/4, $0xbcdb5a30
DATA ·vmconst+548(SB)/4, $0xbcdb5a30
DATA ·vmconst+552(SB)/4, $0xbcdb5a30
DATA ·vmconst+556(SB)/4, $0xbcdb5a30
DATA ·vmconst+560(SB)/4, $0xbcdb5a30
DATA ·vmconst+564(SB)/4, $0xbcdb5a30
DATA ·vmconst+568(SB)/4, $0xbcdb5a30
DATA ·vmconst+572(SB)/4, $0xbcdb5a30
// small3 = 0.11282140016555786
DATA ·vmconst+576(SB)/4, $0x3de70ee8
DATA ·vmconst+580(SB)/4, $0x3de70ee8
DATA ·vmconst+584(SB)/4, $0x3de70ee8
DATA ·vmconst+588(SB)/4, $0x3de70ee8
DATA ·vmconst+592(SB)/4, $0x3de70ee8
DATA ·vmconst+596(SB)/4, $0x3de70ee8
DATA ·vmconst+600(SB)/4, $0x3de70ee8
DATA ·vmconst+604(SB)/4, $0x3de70ee8
// small4 = -0.3761253356933594
DATA ·vmconst+608(SB)/4, $0xbec09380
DATA ·vmconst+612(SB)/4, $0xbec09380
DATA ·vmconst+616(SB)/4, $0xbec09380
DATA ·vmconst+620(SB)/4, $0xbec09380
DATA ·vmconst+624(SB)/4, $0xbec09380
DATA ·vmconst+628(SB)/4, $0xbec09380
DATA ·vmconst+632(SB)/4, $0xbec09380
DATA ·vmconst+636(SB)/4, $0xbec09380
// small5 = 1.1283791065216064
DATA ·vmconst+640(SB)/4, $0x3f906eba
DATA ·vmconst+644(SB)/4, $0x3f906eba
DATA ·vmconst+648(SB)/4, $0x3f906eba
DATA ·vmconst+652(SB)/4, $0x3f906eba
DATA ·vmconst+656(SB)/4, $0x3f906eba
DATA ·vmconst+660(SB)/4, $0x3f906eba
DATA ·vmconst+664(SB)/4, $0x3f906eba
DATA ·vmconst+668(SB)/4, $0x3f906eba
// big0 = -1.4283556993177626e-05
DATA ·vmconst+672(SB)/4, $0xb76fa369
DATA ·vmconst+676(SB)/4, $0xb76fa369
DATA ·vmconst+680(SB)/4, $0xb76fa369
DATA ·vmconst+684(SB)/4, $0xb76fa369
DATA ·vmconst+688(SB)/4, $0xb76fa369
DATA ·vmconst+692(SB)/4, $0xb76fa369
DATA ·vmconst+696(SB)/4, $0xb76fa369
DATA ·vmconst+700(SB)/4, $0xb76fa369
// big1 = 0.000334386044414714
DATA ·vmconst+704(SB)/4, $0x39af5089
DATA ·vmconst+708(SB)/4, $0x39af5089
DATA ·vmconst+712(SB)/4, $0x39af5089
DATA ·vmconst+716(SB)/4, $0x39af5089
DATA ·vmconst+720(SB)/4, $0x39af5089
DATA ·vmconst+724(SB)/4, $0x39af5089
DATA ·vmconst+728(SB)/4, $0x39af5089
DATA ·vmconst+732(SB)/4, $0x39af5089
// big2 = -0.003557961666956544
DATA ·vmconst+736(SB)/4, $0xbb692cb1
DATA ·vmconst+740(SB)/4, $0xbb692cb1
DATA ·vmconst+744(SB)/4, $0xbb692cb1
DATA ·vmconst+748(SB)/4, $0xbb692cb1
DATA ·vmconst+752(SB)/4, $0xbb692cb1
DATA ·vmconst+756(SB)/4, $0xbb692cb1
DATA ·vmconst+760(SB)/4, $0xbb692cb1
DATA ·vmconst+764(SB)/4, $0xbb692cb1
// big3 = 0.023092646151781082
DATA ·vmconst+768(SB)/4, $0x3cbd2cca
DATA ·vmconst+772(SB)/4, $0x3cbd2cca
DATA ·vmconst+776(SB)/4, $0x3cbd2cca
DATA ·vmconst+780(SB)/4, $0x3cbd2cca
DATA ·vmconst+784(SB)/4, $0x3cbd2cca
DATA ·vmconst+788(SB)/4, $0x3cbd2cca
DATA ·vmconst+792(SB)/4, $0x3cbd2cca
DATA ·vmconst+796(SB)/4, $0x3cbd2cca
// big4 = -0.10438274592161179
DATA ·vmconst+800(SB)/4, $0xbdd5c69f
DATA ·vmconst+804(SB)/4, $0xbdd5c69f
DATA ·vmconst+808(SB)/4, $0xbdd5c69f
DATA ·vmconst+812(SB)/4, $0xbdd5c69f
DATA ·vmconst+816(SB)/4, $0xbdd5c69f
DATA ·vmconst+820(SB)/4, $0xbdd5c69f
DATA ·vmconst+824(SB)/4, $0xbdd5c69f
DATA ·vmconst+828(SB)/4, $0xbdd5c69f
// big5 = -0.6376983523368835
DATA ·vmconst+832(SB)/4, $0xbf234033
DATA ·vmconst+836(SB)/4, $0xbf234033
DATA ·vmconst+840(SB)/4, $0xbf234033
DATA ·vmconst+844(SB)/4, $0xbf234033
DATA ·vmconst+848(SB)/4, $0xbf234033
DATA ·vmconst+852(SB)/4, $0xbf234033
DATA ·vmconst+856(SB)/4, $0xbf234033
DATA ·vmconst+860(SB)/4, $0xbf234033
// big6 = -1.1269067525863647
DATA ·vmconst+864(SB)/4, $0xbf903e7b
DATA ·vmconst+868(SB)/4, $0xbf903e7b
DATA ·vmconst+872(SB)/4, $0xbf903e7b
DATA ·vmconst+876(SB)/4, $0xbf903e7b
DATA ·vmconst+880(SB)/4, $0xbf903e7b
DATA ·vmconst+884(SB)/4, $0xbf903e7b
DATA ·vmconst+888(SB)/4, $0xbf903e7b
DATA ·vmconst+892(SB)/4, $0xbf903e7b
// big7 = -0.0004721708537545055
DATA ·vmconst+896(SB)/4, $0xb9f78db3
DATA ·vmconst+900(SB)/4, $0xb9f78db3
DATA ·vmconst+904(SB)/4, $0xb9f78db3
DATA ·vmconst+908(SB)/4, $0xb9f78db3
DATA ·vmconst+912(SB)/4, $0xb9f78db3
DATA ·vmconst+916(SB)/4, $0xb9f78db3
DATA ·vmconst+920(SB)/4, $0xb9f78db3
DATA ·vmconst+924(SB)/4, $0xb9f78db3
// one = 1.0
DATA ·vmconst+928(SB)/4, $0x3f800000
DATA ·vmconst+932(SB)/4, $0x3f800000
DATA ·vmconst+936(SB)/4, $0x3f800000
DATA ·vmconst+940(SB)/4, $0x3f800000
DATA ·vmconst+944(SB)/4, $0x3f800000
DATA ·vmconst+948(SB)/4, $0x3f800000
DATA ·vmconst+952(SB)/4, $0x3f800000
DATA ·vmconst+956(SB)/4, $0x3f800000
DATA ·vmconst+960(SB)/4, $0x7fffffff // abs mask
DATA ·vmconst+964(SB)/4, $0x7fffffff
DATA ·vmconst+968(SB)/4, $0x7fffffff
DATA ·vmconst+972(SB)/4, $0x7fffffff
DATA ·vmconst+976(SB)/4, $0x7fffffff
DATA ·vmconst+980(SB)/4, $0x7fffffff
DATA ·vmconst+984(SB)/4, $0x7fffffff
DATA ·vmconst+988(SB)/4, $0x7fffffff
GLOBL ·vmconst(SB), RODATA|NOPTR, $992
