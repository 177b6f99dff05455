;; ∂L/∂F of the adjusted softmax cross-entropy for the head fast path, as WebAssembly SIMD (f32x4) loops:
;; losses/logitGradient.ts explains the loss, training/softmaxGradientKernel.ts prepares the inputs and owns the
;; memory; scripts/generateWasmKernels.ts compiles this file (wabt) into softmaxGradientWasm.ts.
;;
;; For each row i of F `[rows, c]` (row-major float32, in place), with label y_i, per-class offset a `[c]`, scale s
;; and row factor q_i (= s · w_i / Σw, computed by the caller):
;;   u_ij = s · (f_ij + a_j),  M_i = max_j u_ij,  e_ij = exp(u_ij − M_i),  S_i = Σ_j e_ij,
;;   f_ij ← q_i · e_ij / S_i − q_i · [j = y_i],  gradB_j += f_ij (gradB `[c]`, zeroed by the caller),
;; and writes S_i, M_i and u_{i,y_i} to rowSum, rowMax, rowTarget (the caller forms ℓ_i = log S_i + M_i − u_{i,y_i}).
;; exp is Cephes' expf (range reduction by ln 2 in two parts, degree-5 polynomial, 2ⁿ from the exponent bits):
;; below −87.3 it returns 0 (test/unit/training/softmaxGradientKernel.test.ts bounds the softmax it gives within 1e-6
;; relative of float64).
(module
  (memory (export "memory") 0)

  (func $exp (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128) (local $keep v128)
    ;; e^x underflows float32 below −87.3: those lanes give 0.
    (local.set $keep (f32x4.ge (local.get $x) (f32x4.splat (f32.const -87.33654))))
    (local.set $x (f32x4.max (local.get $x) (f32x4.splat (f32.const -87.33654))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375))))
      (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
    ;; 1 + r + p·r²
    (local.set $p (f32x4.add
      (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
      (f32x4.splat (f32.const 1))))
    ;; · 2ⁿ (n ∈ [−126, 0] here, a normal float32)
    (v128.and
      (f32x4.mul (local.get $p)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23)))
      (local.get $keep)))

  ;; Largest of the four lanes.
  (func $hmax (param $v v128) (result f32)
    (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.max (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Sum of the four lanes.
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; f, offset, gradB: float32 arrays; labels: int32 `[rows]`; rowFactor, rowSum, rowMax, rowTarget: float32 `[rows]`.
  (func (export "softmaxGradient")
    (param $f i32) (param $offset i32) (param $labels i32) (param $rowFactor i32) (param $gradB i32)
    (param $rowSum i32) (param $rowMax i32) (param $rowTarget i32)
    (param $rows i32) (param $c i32) (param $s f32)
    (local $i i32) (local $row i32) (local $j i32) (local $vecEnd i32) (local $end i32) (local $y i32)
    (local $sV v128) (local $u v128) (local $maxV v128) (local $sumV v128) (local $qV v128)
    (local $max f32) (local $sum f32) (local $q f32) (local $x f32)
    (local.set $sV (f32x4.splat (local.get $s)))
    ;; bytes per row, and the last byte of the row's whole quads
    (local.set $end (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $rowsDone
      (loop $nextRow
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $row (i32.add (local.get $f) (i32.mul (local.get $i) (local.get $end))))
        ;; pass 1: u = s·(f + a) in place, running maximum
        (local.set $maxV (f32x4.splat (f32.const -inf)))
        (local.set $j (i32.const 0))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_u (local.get $j) (local.get $vecEnd)))
          (local.set $u (f32x4.mul (local.get $sV)
            (f32x4.add (v128.load (i32.add (local.get $row) (local.get $j))) (v128.load (i32.add (local.get $offset) (local.get $j))))))
          (v128.store (i32.add (local.get $row) (local.get $j)) (local.get $u))
          (local.set $maxV (f32x4.max (local.get $maxV) (local.get $u)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l1)))
        (local.set $max (call $hmax (local.get $maxV)))
        (block $d1t (loop $l1t
          (br_if $d1t (i32.ge_u (local.get $j) (local.get $end)))
          (local.set $x (f32.mul (local.get $s)
            (f32.add (f32.load (i32.add (local.get $row) (local.get $j))) (f32.load (i32.add (local.get $offset) (local.get $j))))))
          (f32.store (i32.add (local.get $row) (local.get $j)) (local.get $x))
          (local.set $max (f32.max (local.get $max) (local.get $x)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $l1t)))
        (local.set $y (i32.load (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2)))))
        (f32.store (i32.add (local.get $rowTarget) (i32.shl (local.get $i) (i32.const 2)))
          (f32.load (i32.add (local.get $row) (i32.shl (local.get $y) (i32.const 2)))))
        (f32.store (i32.add (local.get $rowMax) (i32.shl (local.get $i) (i32.const 2))) (local.get $max))
        ;; pass 2: e = exp(u − M) in place, sum
        (local.set $maxV (f32x4.splat (local.get $max)))
        (local.set $sumV (f32x4.splat (f32.const 0)))
        (local.set $j (i32.const 0))
        (block $d2 (loop $l2
          (br_if $d2 (i32.ge_u (local.get $j) (local.get $vecEnd)))
          (local.set $u (call $exp (f32x4.sub (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $maxV))))
          (v128.store (i32.add (local.get $row) (local.get $j)) (local.get $u))
          (local.set $sumV (f32x4.add (local.get $sumV) (local.get $u)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l2)))
        (local.set $sum (call $hsum (local.get $sumV)))
        (block $d2t (loop $l2t
          (br_if $d2t (i32.ge_u (local.get $j) (local.get $end)))
          (local.set $x (f32x4.extract_lane 0 (call $exp (f32x4.splat
            (f32.sub (f32.load (i32.add (local.get $row) (local.get $j))) (local.get $max))))))
          (f32.store (i32.add (local.get $row) (local.get $j)) (local.get $x))
          (local.set $sum (f32.add (local.get $sum) (local.get $x)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $l2t)))
        (f32.store (i32.add (local.get $rowSum) (i32.shl (local.get $i) (i32.const 2))) (local.get $sum))
        ;; pass 3: g = e·(q / S) − q·[j = y], gradB += g
        (local.set $q (f32.load (i32.add (local.get $rowFactor) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $x (f32.div (local.get $q) (local.get $sum)))
        (local.set $qV (f32x4.splat (local.get $x)))
        (local.set $j (i32.const 0))
        (block $d3 (loop $l3
          (br_if $d3 (i32.ge_u (local.get $j) (local.get $vecEnd)))
          (local.set $u (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $qV)))
          (v128.store (i32.add (local.get $row) (local.get $j)) (local.get $u))
          (v128.store (i32.add (local.get $gradB) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $gradB) (local.get $j))) (local.get $u)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l3)))
        (block $d3t (loop $l3t
          (br_if $d3t (i32.ge_u (local.get $j) (local.get $end)))
          (local.set $sum (f32.mul (f32.load (i32.add (local.get $row) (local.get $j))) (local.get $x)))
          (f32.store (i32.add (local.get $row) (local.get $j)) (local.get $sum))
          (f32.store (i32.add (local.get $gradB) (local.get $j))
            (f32.add (f32.load (i32.add (local.get $gradB) (local.get $j))) (local.get $sum)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $l3t)))
        (local.set $y (i32.shl (local.get $y) (i32.const 2)))
        (f32.store (i32.add (local.get $row) (local.get $y))
          (f32.sub (f32.load (i32.add (local.get $row) (local.get $y))) (local.get $q)))
        (f32.store (i32.add (local.get $gradB) (local.get $y))
          (f32.sub (f32.load (i32.add (local.get $gradB) (local.get $y))) (local.get $q)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nextRow)))
  )
)
