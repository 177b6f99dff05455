;; Whole-matrix passes over the logits as WebAssembly SIMD loops: the finiteness check of validateInput.ts and the
;; one scoring pass of predictions.ts (raw arg-max and softmax normaliser, the adjusted arg-max and normaliser, the
;; label's rank). analysis/logitRowKernel.ts owns the memory and copies blocks of rows in;
;; scripts/generateWasmKernels.ts compiles this file (wabt) into logitRowsWasm.ts.
;;
;; exp is float64 for x ≤ 0: x is clamped at −708 (e^−708 ≈ 3e−308; every sum it enters is ≥ 1 or holds a term
;; ≥ e^−600, so the clamp cannot be seen), x = k·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 in two parts, fdlibm's, so k·ln2hi
;; is exact), e^r by its Taylor polynomial of degree 13 (truncation < 5e−18 relative) in Horner form, times 2^k built in
;; the exponent bits. test/unit/analysis/logitRowKernel.test.ts bounds it against Math.exp within 4e−16 relative.
(module
  (memory (export "memory") 0)

  (func $exp (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f64x2.pmax (local.get $x) (f64x2.splat (f64.const -708))))
    (local.set $k (f64x2.nearest (f64x2.mul (local.get $x) (f64x2.splat (f64.const 1.4426950408889634)))))
    (local.set $r (f64x2.sub
      (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 6.93147180369123816490e-01))))
      (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.90821492927058770002e-10)))))
    (local.set $p (f64x2.splat (f64.const 1.6059043836821613e-10)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.08767569878681e-09))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.505210838544172e-08))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.755731922398589e-07))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.755731922398589e-06))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.48015873015873e-05))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1.984126984126984e-04))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1.388888888888889e-03))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 8.333333333333333e-03))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 4.1666666666666664e-02))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1.6666666666666666e-01))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 0.5))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1))))
    ;; 2^k, k ∈ [−1022, 0]: a normal float64
    (f64x2.mul (local.get $p)
      (i64x2.shl
        (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k))) (i64x2.splat (i64.const 1023)))
        (i32.const 52))))

  ;; e^x of one float64 (lane 0 of the vector function, so it equals what the loops compute for the same x).
  (func (export "exp") (param $x f64) (result f64)
    (f64x2.extract_lane 0 (call $exp (f64x2.splat (local.get $x)))))

  ;; 1 when any of the n float32 at p is NaN or ±Inf (all exponent bits set), else 0.
  (func (export "anyNonFinite32") (param $p i32) (param $n i32) (result i32)
    (local $j i32) (local $end i32) (local $acc v128) (local $mask v128)
    (local.set $mask (i32x4.splat (i32.const 0x7f800000)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $j (local.get $p))
    (block $done (loop $quad
      (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
      (local.set $acc (v128.or (local.get $acc)
        (i32x4.eq (v128.and (v128.load (local.get $j)) (local.get $mask)) (local.get $mask))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $quad)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $j) (local.get $end)))
      (if (i32.eq (i32.and (i32.load (local.get $j)) (i32.const 0x7f800000)) (i32.const 0x7f800000))
        (then (return (i32.const 1))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tail)))
    (v128.any_true (local.get $acc)))

  ;; 1 when any of the n float64 at p is NaN or ±Inf, else 0.
  (func (export "anyNonFinite64") (param $p i32) (param $n i32) (result i32)
    (local $j i32) (local $end i32) (local $acc v128) (local $mask v128)
    (local.set $mask (i64x2.splat (i64.const 0x7ff0000000000000)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (local.set $j (local.get $p))
    (block $done (loop $pair
      (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
      (local.set $acc (v128.or (local.get $acc)
        (i64x2.eq (v128.and (v128.load (local.get $j)) (local.get $mask)) (local.get $mask))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $pair)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (if (i64.eq (i64.and (i64.load (local.get $j)) (i64.const 0x7ff0000000000000)) (i64.const 0x7ff0000000000000))
          (then (return (i32.const 1))))))
    (v128.any_true (local.get $acc)))

  ;; Of the 4 lanes (values v, indices k), the largest value; on equal values the smallest index. Returns the index;
  ;; the value is left in $mergedValue.
  (global $mergedValue (mut f64) (f64.const 0))
  (func $merge4 (param $v0 f64) (param $k0 i32) (param $v1 f64) (param $k1 i32) (param $v2 f64) (param $k2 i32) (param $v3 f64) (param $k3 i32) (result i32)
    (if (i32.or (f64.gt (local.get $v1) (local.get $v0))
                (i32.and (f64.eq (local.get $v1) (local.get $v0)) (i32.lt_s (local.get $k1) (local.get $k0))))
      (then (local.set $v0 (local.get $v1)) (local.set $k0 (local.get $k1))))
    (if (i32.or (f64.gt (local.get $v2) (local.get $v0))
                (i32.and (f64.eq (local.get $v2) (local.get $v0)) (i32.lt_s (local.get $k2) (local.get $k0))))
      (then (local.set $v0 (local.get $v2)) (local.set $k0 (local.get $k2))))
    (if (i32.or (f64.gt (local.get $v3) (local.get $v0))
                (i32.and (f64.eq (local.get $v3) (local.get $v0)) (i32.lt_s (local.get $k3) (local.get $k0))))
      (then (local.set $v0 (local.get $v3)) (local.set $k0 (local.get $k3))))
    (global.set $mergedValue (local.get $v0))
    (local.get $k0))

  ;; For each row i < rows of f `[rows, c]` (float32, finite) with shift a `[c]` and weights w `[c]` (float64, w_y = e^{a_y − A}):
  ;;   pred_i = first argmax_y f_iy, m_i = f_{i,pred_i}, rowSum_i = Σ_y e^{f_iy − m_i},
  ;;   adjPred_i = first argmax_y (f_iy + a_y) (float64 sums), adjSum_i = Σ_y e^{f_iy − m_i}·w_y, adjTop_i = e^{f_{i,adjPred_i} − m_i}·w_{adjPred_i},
  ;;   and when withRank ≠ 0, rank_i = #{y : f_iy > f_{i,l_i}} + #{y < l_i : f_iy = f_{i,l_i}} for the labels l `[rows]`.
  (func (export "scoreRows")
    (param $f i32) (param $rows i32) (param $c i32) (param $a i32) (param $w i32) (param $labels i32) (param $withRank i32)
    (param $pred i32) (param $rowMax i32) (param $rowSum i32) (param $adjPred i32) (param $adjSum i32) (param $adjTop i32) (param $rank i32)
    (local $i i32) (local $row i32) (local $j i32) (local $quadEnd i32) (local $pairEnd i32) (local $y i32) (local $label i32)
    (local $v v128) (local $best v128) (local $arg v128) (local $idx v128) (local $mk v128)
    (local $sLo v128) (local $sHi v128) (local $bLo v128) (local $bHi v128) (local $aLo v128) (local $aHi v128) (local $iLo v128) (local $iHi v128)
    (local $fl v128) (local $lv v128) (local $cnt v128) (local $e v128) (local $sum v128) (local $wsum v128) (local $mv v128)
    (local $x f32) (local $bestS f32) (local $argS i32) (local $m f64) (local $sx f64) (local $adjBest f64) (local $adjArg i32)
    (local $flS f32) (local $rk i32) (local $s f64) (local $ws f64) (local $es f64)
    (local.set $quadEnd (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (local.set $pairEnd (i32.shl (i32.and (local.get $c) (i32.const -2)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $rowsDone
      (loop $nextRow
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $row (i32.add (local.get $f) (i32.shl (i32.mul (local.get $i) (local.get $c)) (i32.const 2))))
        (local.set $label (select (i32.load (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 0) (local.get $withRank)))
        (local.set $flS (f32.load (i32.add (local.get $row) (i32.shl (local.get $label) (i32.const 2)))))
        (local.set $fl (f32x4.splat (local.get $flS)))
        (local.set $lv (i32x4.splat (local.get $label)))
        ;; pass 1, quads: raw arg-max (float32 lanes), adjusted arg-max (two float64 pairs), the rank's counts
        (local.set $best (f32x4.splat (f32.const -inf)))
        (local.set $arg (v128.const i32x4 0 1 2 3))
        (local.set $idx (v128.const i32x4 0 1 2 3))
        (local.set $bLo (f64x2.splat (f64.const -inf)))
        (local.set $bHi (f64x2.splat (f64.const -inf)))
        (local.set $aLo (v128.const i64x2 0 1))
        (local.set $aHi (v128.const i64x2 2 3))
        (local.set $iLo (v128.const i64x2 0 1))
        (local.set $iHi (v128.const i64x2 2 3))
        (local.set $cnt (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_u (local.get $j) (local.get $quadEnd)))
          (local.set $v (v128.load (i32.add (local.get $row) (local.get $j))))
          (local.set $mk (f32x4.gt (local.get $v) (local.get $best)))
          (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $mk)))
          (local.set $arg (v128.bitselect (local.get $idx) (local.get $arg) (local.get $mk)))
          (local.set $cnt (i32x4.sub (i32x4.sub (local.get $cnt) (f32x4.gt (local.get $v) (local.get $fl)))
            (v128.and (f32x4.eq (local.get $v) (local.get $fl)) (i32x4.lt_s (local.get $idx) (local.get $lv)))))
          (local.set $sLo (f64x2.add (f64x2.promote_low_f32x4 (local.get $v))
            (v128.load (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 1))))))
          (local.set $sHi (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
            (v128.load offset=16 (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 1))))))
          (local.set $mk (f64x2.gt (local.get $sLo) (local.get $bLo)))
          (local.set $bLo (v128.bitselect (local.get $sLo) (local.get $bLo) (local.get $mk)))
          (local.set $aLo (v128.bitselect (local.get $iLo) (local.get $aLo) (local.get $mk)))
          (local.set $mk (f64x2.gt (local.get $sHi) (local.get $bHi)))
          (local.set $bHi (v128.bitselect (local.get $sHi) (local.get $bHi) (local.get $mk)))
          (local.set $aHi (v128.bitselect (local.get $iHi) (local.get $aHi) (local.get $mk)))
          (local.set $idx (i32x4.add (local.get $idx) (i32x4.splat (i32.const 4))))
          (local.set $iLo (i64x2.add (local.get $iLo) (i64x2.splat (i64.const 4))))
          (local.set $iHi (i64x2.add (local.get $iHi) (i64x2.splat (i64.const 4))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l1)))
        (local.set $argS (call $merge4
          (f64.promote_f32 (f32x4.extract_lane 0 (local.get $best))) (i32x4.extract_lane 0 (local.get $arg))
          (f64.promote_f32 (f32x4.extract_lane 1 (local.get $best))) (i32x4.extract_lane 1 (local.get $arg))
          (f64.promote_f32 (f32x4.extract_lane 2 (local.get $best))) (i32x4.extract_lane 2 (local.get $arg))
          (f64.promote_f32 (f32x4.extract_lane 3 (local.get $best))) (i32x4.extract_lane 3 (local.get $arg))))
        (local.set $bestS (f32.demote_f64 (global.get $mergedValue)))
        (local.set $adjArg (call $merge4
          (f64x2.extract_lane 0 (local.get $bLo)) (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $aLo)))
          (f64x2.extract_lane 1 (local.get $bLo)) (i32.wrap_i64 (i64x2.extract_lane 1 (local.get $aLo)))
          (f64x2.extract_lane 0 (local.get $bHi)) (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $aHi)))
          (f64x2.extract_lane 1 (local.get $bHi)) (i32.wrap_i64 (i64x2.extract_lane 1 (local.get $aHi)))))
        (local.set $adjBest (global.get $mergedValue))
        (local.set $rk (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $cnt)) (i32x4.extract_lane 1 (local.get $cnt)))
          (i32.add (i32x4.extract_lane 2 (local.get $cnt)) (i32x4.extract_lane 3 (local.get $cnt)))))
        ;; the last c mod 4 classes
        (local.set $y (i32.shr_u (local.get $quadEnd) (i32.const 2)))
        (block $t1 (loop $tail1
          (br_if $t1 (i32.ge_u (local.get $y) (local.get $c)))
          (local.set $x (f32.load (i32.add (local.get $row) (i32.shl (local.get $y) (i32.const 2)))))
          (if (f32.gt (local.get $x) (local.get $bestS)) (then (local.set $bestS (local.get $x)) (local.set $argS (local.get $y))))
          (local.set $sx (f64.add (f64.promote_f32 (local.get $x)) (f64.load (i32.add (local.get $a) (i32.shl (local.get $y) (i32.const 3))))))
          (if (f64.gt (local.get $sx) (local.get $adjBest)) (then (local.set $adjBest (local.get $sx)) (local.set $adjArg (local.get $y))))
          (local.set $rk (i32.add (local.get $rk)
            (i32.or (f32.gt (local.get $x) (local.get $flS))
                    (i32.and (f32.eq (local.get $x) (local.get $flS)) (i32.lt_s (local.get $y) (local.get $label))))))
          (local.set $y (i32.add (local.get $y) (i32.const 1)))
          (br $tail1)))
        (local.set $m (f64.promote_f32 (local.get $bestS)))
        ;; pass 2, pairs: e = e^{f − m}, Σ e and Σ e·w
        (local.set $mv (f64x2.splat (local.get $m)))
        (local.set $sum (f64x2.splat (f64.const 0)))
        (local.set $wsum (f64x2.splat (f64.const 0)))
        (local.set $j (i32.const 0))
        (block $d2 (loop $l2
          (br_if $d2 (i32.ge_u (local.get $j) (local.get $pairEnd)))
          (local.set $e (call $exp (f64x2.sub
            (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $row) (local.get $j))))
            (local.get $mv))))
          (local.set $sum (f64x2.add (local.get $sum) (local.get $e)))
          (local.set $wsum (f64x2.add (local.get $wsum)
            (f64x2.mul (local.get $e) (v128.load (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 1)))))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br $l2)))
        (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $sum)) (f64x2.extract_lane 1 (local.get $sum))))
        (local.set $ws (f64.add (f64x2.extract_lane 0 (local.get $wsum)) (f64x2.extract_lane 1 (local.get $wsum))))
        (if (i32.and (local.get $c) (i32.const 1))
          (then
            (local.set $es (f64x2.extract_lane 0 (call $exp (f64x2.splat (f64.sub
              (f64.promote_f32 (f32.load (i32.add (local.get $row) (local.get $pairEnd))))
              (local.get $m))))))
            (local.set $s (f64.add (local.get $s) (local.get $es)))
            (local.set $ws (f64.add (local.get $ws)
              (f64.mul (local.get $es) (f64.load (i32.add (local.get $w) (i32.shl (local.get $pairEnd) (i32.const 1)))))))))
        (local.set $es (f64.mul
          (f64x2.extract_lane 0 (call $exp (f64x2.splat (f64.sub
            (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $adjArg) (i32.const 2)))))
            (local.get $m)))))
          (f64.load (i32.add (local.get $w) (i32.shl (local.get $adjArg) (i32.const 3))))))
        (i32.store (i32.add (local.get $pred) (i32.shl (local.get $i) (i32.const 2))) (local.get $argS))
        (f64.store (i32.add (local.get $rowMax) (i32.shl (local.get $i) (i32.const 3))) (local.get $m))
        (f64.store (i32.add (local.get $rowSum) (i32.shl (local.get $i) (i32.const 3))) (local.get $s))
        (i32.store (i32.add (local.get $adjPred) (i32.shl (local.get $i) (i32.const 2))) (local.get $adjArg))
        (f64.store (i32.add (local.get $adjSum) (i32.shl (local.get $i) (i32.const 3))) (local.get $ws))
        (f64.store (i32.add (local.get $adjTop) (i32.shl (local.get $i) (i32.const 3))) (local.get $es))
        (i32.store (i32.add (local.get $rank) (i32.shl (local.get $i) (i32.const 2))) (local.get $rk))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nextRow)))))
