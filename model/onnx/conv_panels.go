package onnx

// Conv with the FMA kernel: the patches of an image are written straight into
// 16-column panels (one column per output position), so that the weights
// (out-channels × patch) are the left operand as they are stored and the
// product lands in the channel-major output without a transpose.

// tapTable returns, for every kernel tap t and output position p, the offset
// in an input plane that the tap reads, at tab[t*P+p]; a tap in the padding
// reads offset inSize, one past the plane, where a zero is kept. After the
// kVol·P offsets come four numbers per tap t and panel q (at
// kVol·P + 4(t·np+q)): when the panel reads offsets s + j·stride for its
// columns lo ≤ j < hi and the padding elsewhere (a row of a plane), s,
// stride, lo, hi, so that im2panels need not look the offsets up; else lo is
// -1. It is kept in the node's scratch.
func (d *convDims) tapTable(r *runner, n *node, sp *[3][]spanT) ([]int32, error) {
	g := d.geom
	P := g.outVol
	np := (P + panelW - 1) / panelW
	tab, err := r.scratchI(n, g.kVol*(P+4*np))
	if err != nil {
		return nil, err
	}
	H, W := g.in[1], g.in[2]
	t := 0
	for kd := 0; kd < g.k[0]; kd++ {
		for kh := 0; kh < g.k[1]; kh++ {
			for kw := 0; kw < g.k[2]; kw++ {
				row := tab[t*P : (t+1)*P]
				p := 0
				for _, sd := range sp[0] {
					for _, sh := range sp[1] {
						for _, sw := range sp[2] {
							if kd < sd.lo || kd >= sd.hi || kh < sh.lo || kh >= sh.hi || kw < sw.lo || kw >= sw.hi {
								row[p] = int32(g.inSize)
							} else {
								row[p] = int32(((sd.start+kd*g.dil[0])*H+sh.start+kh*g.dil[1])*W + sw.start + kw*g.dil[2])
							}
							p++
						}
					}
				}
				for q := range np {
					strided(row[q*panelW:min((q+1)*panelW, P)], int32(g.inSize), tab[g.kVol*P+4*(t*np+q):][:4])
				}
				t++
			}
		}
	}
	return tab, nil
}

// strided describes the offsets of one panel in meta (s, stride, lo, hi; lo
// = -1 when they are not a strided run between padding); pad is the offset
// of the zero.
func strided(offs []int32, pad int32, meta []int32) {
	lo, hi := 0, len(offs)
	for lo < hi && offs[lo] == pad {
		lo++
	}
	for hi > lo && offs[hi-1] == pad {
		hi--
	}
	meta[0], meta[1], meta[2], meta[3] = 0, 1, int32(lo), int32(hi)
	if hi-lo >= 2 {
		meta[1] = offs[lo+1] - offs[lo]
	}
	if hi > lo {
		meta[0] = offs[lo] - int32(lo)*meta[1]
	}
	for j := lo; j < hi; j++ {
		if offs[j] == pad || offs[j] != meta[0]+int32(j)*meta[1] || meta[1] <= 0 {
			meta[2] = -1
			return
		}
	}
}

// im2panels writes the patches of one group of one image (x starts at the
// group's first channel) as panels of B = patches (cg·kVol × P). plane is a
// scratch of inSize+1 floats.
func (d *convDims) im2panels(tab []int32, x, panels, plane []float32) {
	g := d.geom
	P, kv := g.outVol, g.kVol
	np := (P + panelW - 1) / panelW
	plane[g.inSize] = 0
	for c := 0; c < d.cg; c++ {
		copy(plane, x[c*g.inSize:(c+1)*g.inSize])
		for q := 0; q < np; q++ {
			j0 := q * panelW
			cols := min(panelW, P-j0)
			panel := panels[q*d.ck*panelW : (q+1)*d.ck*panelW]
			for t := 0; t < kv; t++ {
				dst := panel[(c*kv+t)*panelW : (c*kv+t+1)*panelW]
				meta := tab[kv*P+4*(t*np+q):][:4]
				switch lo, hi, st, s := int(meta[2]), int(meta[3]), int(meta[1]), int(meta[0]); {
				case lo < 0:
					for j, o := range tab[t*P+j0 : t*P+j0+cols] {
						dst[j] = plane[o]
					}
					clear(dst[cols:])
				case st == 1 && lo == 0 && hi == panelW:
					*(*[panelW]float32)(dst) = *(*[panelW]float32)(plane[s:]) // no memmove call
				case st == 1:
					clear(dst[:lo])
					copy(dst[lo:hi], plane[s+lo:s+hi])
					clear(dst[hi:])
				default:
					clear(dst[:lo])
					src := plane[s+lo*st : s+(hi-1)*st+1]
					for j := range hi - lo {
						dst[lo+j] = src[j*st]
					}
					clear(dst[hi:])
				}
			}
		}
	}
}

func (k *convOp) runPanels(r *runner, n *node, d *convDims, sp *[3][]spanT, x, w, b, y *tensor) error {
	tab, err := d.tapTable(r, n, sp)
	if err != nil {
		return err
	}
	P := d.outVol
	np := (P + panelW - 1) / panelW
	r.parallelFor(d.n, d.m*P*d.ck, func(lo, hi int) {
		buf := getPack(np*panelW*d.ck + d.inSize + 1)
		defer packPool.Put(buf)
		panels, plane := (*buf)[:np*panelW*d.ck], (*buf)[np*panelW*d.ck:]
		pw := &weights{k: d.ck, n: P, panels: panels}
		var rr *runner
		if hi-lo == d.n {
			rr = r // one image per call: split the product itself
		}
		for img := lo; img < hi && !r.stopped(); img++ {
			for gr := 0; gr < k.group; gr++ {
				d.im2panels(tab, x.f[(img*d.c+gr*d.cg)*d.inSize:], panels, plane)
				out := y.f[(img*d.m+gr*d.mg)*P : (img*d.m+(gr+1)*d.mg)*P]
				acc := b != nil
				if acc {
					for m := 0; m < d.mg; m++ {
						v := b.f[gr*d.mg+m]
						row := out[m*P : (m+1)*P]
						for i := range row {
							row[i] = v
						}
					}
				}
				wg := w.f[gr*d.mg*d.ck : (gr+1)*d.mg*d.ck]
				rr.gemm(d.mg, wg, d.ck, pw, out, P, flags(acc, k.relu))
			}
		}
	})
	return nil
}

// backwardPanels adds the gradient with respect to X: per image and group,
// dPatches (cg·kVol × P) = Wᵀ (cg·kVol × mg) · dY (mg × P), scattered back
// through the tap table.
func (k *convOp) backwardPanels(r *runner, n *node, d *convDims, sp *[3][]spanT, w *tensor, g, gx []float32) error {
	tab, err := d.tapTable(r, n, sp)
	if err != nil {
		return err
	}
	P, kv := d.outVol, d.kVol
	wt := getPack(d.m * d.ck)
	defer packPool.Put(wt)
	for gr := 0; gr < k.group; gr++ {
		transpose((*wt)[gr*d.mg*d.ck:], w.f[gr*d.mg*d.ck:(gr+1)*d.mg*d.ck], d.mg, d.ck)
	}
	np := (P + panelW - 1) / panelW
	r.parallelFor(d.n, 2*d.m*P*d.ck, func(lo, hi int) {
		buf := getPack(np*panelW*d.mg + d.ck*P)
		defer packPool.Put(buf)
		pbuf, cols := (*buf)[:np*panelW*d.mg], (*buf)[np*panelW*d.mg:]
		var rr *runner
		if hi-lo == d.n {
			rr = r
		}
		for img := lo; img < hi && !r.stopped(); img++ {
			for gr := 0; gr < k.group; gr++ {
				gy := g[(img*d.m+gr*d.mg)*P : (img*d.m+(gr+1)*d.mg)*P]
				pw := packB(gy, d.mg, P, false, pbuf)
				rr.gemm(d.ck, (*wt)[gr*d.mg*d.ck:], d.mg, pw, cols, P, flags(false, false))
				base := gx[(img*d.c+gr*d.cg)*d.inSize:]
				for c := 0; c < d.cg; c++ {
					plane := base[c*d.inSize : (c+1)*d.inSize]
					for t := 0; t < kv; t++ {
						row := cols[(c*kv+t)*P : (c*kv+t+1)*P]
						for p, o := range tab[t*P : (t+1)*P] {
							if int(o) < d.inSize {
								plane[o] += row[p]
							}
						}
					}
				}
			}
		}
	})
	return nil
}
