;; The per-row passes of the τ-normalisation sweep as WebAssembly loops: over all C classes in SIMD (f64x2) — the scores
;; f − b, step 1's scan, step 2's prunes — and over the surviving candidates in scalar float64 — step 3's narrowing and
;; the arg-max at every grid τ. analysis/tauNormalisation.ts
;; explains the pruning they serve and owns the memory; analysis/tauNormRowKernel.ts prepares the inputs;
;; scripts/generateWasmKernels.ts compiles this file (wabt) into tauNormRowsWasm.ts.
;;
;; Every value is float64 and every operation is the typed-array code's, in the same order (a product, then a sum;
;; no fused multiply-add), so the kept candidates and the winners are bit-identical to it: arg-maxes keep the first
;; index on ties (each lane keeps its own first, the lanes are merged by value then by index), and comparisons use
;; pmin/pmax, whose `b < a ? b : a` is the typed-array code's ternary. (scanRow's lb and max |g| merge the lanes with
;; f64.max: equal to the typed-array values up to the sign of a zero, which no later comparison sees.) Arrays: row `[c]` (scores s_y), b `[c]` (bias kept, or 0),
;; lo and hi `[c]` (‖w_y‖^(−τ) at the smallest and largest τ), cand `[c]` int32 (classes, increasing).
(module
  (memory (export "memory") 0)

  ;; dst[r·c + y] = src[r·c + y] − bias[y] for r < rows (float32 in, float64 out; with a zero bias a plain copy).
  (func (export "scoresFromLogits") (param $src i32) (param $bias i32) (param $dst i32) (param $rows i32) (param $c i32)
    (local $r i32) (local $j i32) (local $in i32) (local $out i32) (local $pairs i32)
    ;; float32 bytes of the row's whole pairs
    (local.set $pairs (i32.shl (i32.and (local.get $c) (i32.const -2)) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $rowsDone
      (loop $nextRow
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $in (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $c)) (i32.const 2))))
        (local.set $out (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $r) (local.get $c)) (i32.const 3))))
        (local.set $j (i32.const 0))
        (block $done (loop $pair
          (br_if $done (i32.ge_u (local.get $j) (local.get $pairs)))
          (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
            (f64x2.sub
              (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $in) (local.get $j))))
              (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $bias) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br $pair)))
        (if (i32.and (local.get $c) (i32.const 1))
          (then
            (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
              (f64.sub
                (f64.promote_f32 (f32.load (i32.add (local.get $in) (local.get $j))))
                (f64.promote_f32 (f32.load (i32.add (local.get $bias) (local.get $j))))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $nextRow))))

  ;; Step 1 of the pruning over one row: with g(lo)_y = s_y·lo_y + b_y and g(hi)_y = s_y·hi_y + b_y, writes to out `[6]`
  ;; max g(lo), max g(hi), their first arg-maxes, lb = max_y min(g_y(lo), g_y(hi)) and max_y |g_y(lo)| + |g_y(hi)|.
  (func (export "scanRow") (param $row i32) (param $c i32) (param $b i32) (param $lo i32) (param $hi i32) (param $out i32)
    (local $j i32) (local $end i32)
    (local $v v128) (local $gl v128) (local $gh v128) (local $bv v128) (local $m v128) (local $idx v128)
    (local $bestLo v128) (local $bestHi v128) (local $jLo v128) (local $jHi v128) (local $lb v128) (local $maxAbs v128)
    (local $l0 f64) (local $l1 f64) (local $k0 i64) (local $k1 i64)
    (local $bl f64) (local $bh f64) (local $il i64) (local $ih i64) (local $lbS f64) (local $maxS f64)
    (local $x f64) (local $sl f64) (local $sh f64) (local $t f64)
    (local.set $end (i32.shl (i32.and (local.get $c) (i32.const -2)) (i32.const 3)))
    (local.set $bestLo (f64x2.splat (f64.const -inf)))
    (local.set $bestHi (f64x2.splat (f64.const -inf)))
    (local.set $lb (f64x2.splat (f64.const -inf)))
    (local.set $maxAbs (f64x2.splat (f64.const 0)))
    (local.set $jLo (v128.const i64x2 0 1))
    (local.set $jHi (v128.const i64x2 0 1))
    (local.set $idx (v128.const i64x2 0 1))
    (local.set $j (i32.const 0))
    (block $done (loop $pair
      (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
      (local.set $v (v128.load (i32.add (local.get $row) (local.get $j))))
      (local.set $bv (v128.load (i32.add (local.get $b) (local.get $j))))
      (local.set $gl (f64x2.add (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $lo) (local.get $j)))) (local.get $bv)))
      (local.set $gh (f64x2.add (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $hi) (local.get $j)))) (local.get $bv)))
      (local.set $m (f64x2.gt (local.get $gl) (local.get $bestLo)))
      (local.set $bestLo (v128.bitselect (local.get $gl) (local.get $bestLo) (local.get $m)))
      (local.set $jLo (v128.bitselect (local.get $idx) (local.get $jLo) (local.get $m)))
      (local.set $m (f64x2.gt (local.get $gh) (local.get $bestHi)))
      (local.set $bestHi (v128.bitselect (local.get $gh) (local.get $bestHi) (local.get $m)))
      (local.set $jHi (v128.bitselect (local.get $idx) (local.get $jHi) (local.get $m)))
      (local.set $lb (f64x2.pmax (local.get $lb) (f64x2.pmin (local.get $gh) (local.get $gl))))
      (local.set $maxAbs (f64x2.pmax (local.get $maxAbs) (f64x2.add (f64x2.abs (local.get $gl)) (f64x2.abs (local.get $gh)))))
      (local.set $idx (i64x2.add (local.get $idx) (v128.const i64x2 2 2)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $pair)))
    ;; merge the lanes: the larger value, on equal values the smaller index
    (local.set $l0 (f64x2.extract_lane 0 (local.get $bestLo)))
    (local.set $l1 (f64x2.extract_lane 1 (local.get $bestLo)))
    (local.set $k0 (i64x2.extract_lane 0 (local.get $jLo)))
    (local.set $k1 (i64x2.extract_lane 1 (local.get $jLo)))
    (local.set $bl (local.get $l0))
    (local.set $il (local.get $k0))
    (if (i32.or (f64.gt (local.get $l1) (local.get $l0))
                (i32.and (f64.eq (local.get $l1) (local.get $l0)) (i64.lt_s (local.get $k1) (local.get $k0))))
      (then (local.set $bl (local.get $l1)) (local.set $il (local.get $k1))))
    (local.set $l0 (f64x2.extract_lane 0 (local.get $bestHi)))
    (local.set $l1 (f64x2.extract_lane 1 (local.get $bestHi)))
    (local.set $k0 (i64x2.extract_lane 0 (local.get $jHi)))
    (local.set $k1 (i64x2.extract_lane 1 (local.get $jHi)))
    (local.set $bh (local.get $l0))
    (local.set $ih (local.get $k0))
    (if (i32.or (f64.gt (local.get $l1) (local.get $l0))
                (i32.and (f64.eq (local.get $l1) (local.get $l0)) (i64.lt_s (local.get $k1) (local.get $k0))))
      (then (local.set $bh (local.get $l1)) (local.set $ih (local.get $k1))))
    (local.set $lbS (f64.max (f64x2.extract_lane 0 (local.get $lb)) (f64x2.extract_lane 1 (local.get $lb))))
    (local.set $maxS (f64.max (f64x2.extract_lane 0 (local.get $maxAbs)) (f64x2.extract_lane 1 (local.get $maxAbs))))
    ;; the last class when C is odd
    (if (i32.and (local.get $c) (i32.const 1))
      (then
        (local.set $x (f64.load (i32.add (local.get $row) (local.get $end))))
        (local.set $t (f64.load (i32.add (local.get $b) (local.get $end))))
        (local.set $sl (f64.add (f64.mul (local.get $x) (f64.load (i32.add (local.get $lo) (local.get $end)))) (local.get $t)))
        (local.set $sh (f64.add (f64.mul (local.get $x) (f64.load (i32.add (local.get $hi) (local.get $end)))) (local.get $t)))
        (if (f64.gt (local.get $sl) (local.get $bl))
          (then (local.set $bl (local.get $sl)) (local.set $il (i64.extend_i32_u (i32.shr_u (local.get $end) (i32.const 3))))))
        (if (f64.gt (local.get $sh) (local.get $bh))
          (then (local.set $bh (local.get $sh)) (local.set $ih (i64.extend_i32_u (i32.shr_u (local.get $end) (i32.const 3))))))
        (local.set $t (select (local.get $sl) (local.get $sh) (f64.lt (local.get $sl) (local.get $sh))))
        (if (f64.gt (local.get $t) (local.get $lbS)) (then (local.set $lbS (local.get $t))))
        (local.set $t (f64.add (f64.abs (local.get $sl)) (f64.abs (local.get $sh))))
        (if (f64.gt (local.get $t) (local.get $maxS)) (then (local.set $maxS (local.get $t))))))
    (f64.store offset=0 (local.get $out) (local.get $bl))
    (f64.store offset=8 (local.get $out) (local.get $bh))
    (f64.store offset=16 (local.get $out) (f64.convert_i64_s (local.get $il)))
    (f64.store offset=24 (local.get $out) (f64.convert_i64_s (local.get $ih)))
    (f64.store offset=32 (local.get $out) (local.get $lbS))
    (f64.store offset=40 (local.get $out) (local.get $maxS)))

  ;; Appends y to cand for each set lane of the pair mask m (lane 0 is class y, lane 1 class y + 1); returns the count.
  (func $keep (param $m v128) (param $y i32) (param $cand i32) (param $count i32) (result i32)
    (if (i64.ne (i64x2.extract_lane 0 (local.get $m)) (i64.const 0))
      (then
        (i32.store (i32.add (local.get $cand) (i32.shl (local.get $count) (i32.const 2))) (local.get $y))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))))
    (if (i64.ne (i64x2.extract_lane 1 (local.get $m)) (i64.const 0))
      (then
        (i32.store (i32.add (local.get $cand) (i32.shl (local.get $count) (i32.const 2))) (i32.add (local.get $y) (i32.const 1)))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))))
    (local.get $count))

  ;; The classes y with max(g_y(lo), g_y(hi)) ≥ cut, in increasing order, into cand; returns their number.
  (func (export "pruneByBound") (param $row i32) (param $c i32) (param $b i32) (param $lo i32) (param $hi i32) (param $cut f64) (param $cand i32) (result i32)
    (local $j i32) (local $end i32) (local $count i32) (local $y i32)
    (local $v v128) (local $bv v128) (local $gl v128) (local $gh v128) (local $m v128) (local $cutV v128)
    (local $x f64) (local $t f64) (local $sl f64) (local $sh f64)
    (local.set $end (i32.shl (i32.and (local.get $c) (i32.const -2)) (i32.const 3)))
    (local.set $cutV (f64x2.splat (local.get $cut)))
    (local.set $j (i32.const 0))
    (local.set $y (i32.const 0))
    (block $done (loop $pair
      (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
      (local.set $v (v128.load (i32.add (local.get $row) (local.get $j))))
      (local.set $bv (v128.load (i32.add (local.get $b) (local.get $j))))
      (local.set $gl (f64x2.add (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $lo) (local.get $j)))) (local.get $bv)))
      (local.set $gh (f64x2.add (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $hi) (local.get $j)))) (local.get $bv)))
      (local.set $m (f64x2.ge (f64x2.pmax (local.get $gh) (local.get $gl)) (local.get $cutV)))
      (if (v128.any_true (local.get $m))
        (then (local.set $count (call $keep (local.get $m) (local.get $y) (local.get $cand) (local.get $count)))))
      (local.set $y (i32.add (local.get $y) (i32.const 2)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $pair)))
    (if (i32.and (local.get $c) (i32.const 1))
      (then
        (local.set $x (f64.load (i32.add (local.get $row) (local.get $end))))
        (local.set $t (f64.load (i32.add (local.get $b) (local.get $end))))
        (local.set $sl (f64.add (f64.mul (local.get $x) (f64.load (i32.add (local.get $lo) (local.get $end)))) (local.get $t)))
        (local.set $sh (f64.add (f64.mul (local.get $x) (f64.load (i32.add (local.get $hi) (local.get $end)))) (local.get $t)))
        (if (f64.ge (select (local.get $sl) (local.get $sh) (f64.gt (local.get $sl) (local.get $sh))) (local.get $cut))
          (then
            (i32.store (i32.add (local.get $cand) (i32.shl (local.get $count) (i32.const 2))) (local.get $y))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))))))
    (local.get $count))

  ;; Step 2's line test (bias dropped): the classes with s_y > 0 and s_y·lo_y ≥ cutLo, s_y·hi_y ≥ cutHi or, when
  ;; kink ≠ 0, s_y·max(sa_y, sb_y) ≥ cutStar, in increasing order, into cand; returns their number.
  (func (export "pruneByLines")
    (param $row i32) (param $c i32) (param $lo i32) (param $hi i32) (param $sa i32) (param $sb i32) (param $kink i32)
    (param $cutLo f64) (param $cutHi f64) (param $cutStar f64) (param $cand i32) (result i32)
    (local $j i32) (local $end i32) (local $count i32) (local $y i32)
    (local $v v128) (local $m v128) (local $star v128) (local $kinkV v128)
    (local $cutLoV v128) (local $cutHiV v128) (local $cutStarV v128)
    (local $x f64) (local $a f64) (local $bb f64) (local $pass i32)
    (local.set $end (i32.shl (i32.and (local.get $c) (i32.const -2)) (i32.const 3)))
    (local.set $cutLoV (f64x2.splat (local.get $cutLo)))
    (local.set $cutHiV (f64x2.splat (local.get $cutHi)))
    (local.set $cutStarV (f64x2.splat (local.get $cutStar)))
    (local.set $kinkV (i64x2.splat (i64.extend_i32_u (i32.ne (local.get $kink) (i32.const 0)))))
    (local.set $kinkV (i64x2.neg (local.get $kinkV)))
    (local.set $j (i32.const 0))
    (local.set $y (i32.const 0))
    (block $done (loop $pair
      (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
      (local.set $v (v128.load (i32.add (local.get $row) (local.get $j))))
      (local.set $star (v128.and (local.get $kinkV)
        (f64x2.ge
          (f64x2.mul (local.get $v)
            (f64x2.pmax (v128.load (i32.add (local.get $sb) (local.get $j))) (v128.load (i32.add (local.get $sa) (local.get $j)))))
          (local.get $cutStarV))))
      (local.set $m (v128.and
        (f64x2.gt (local.get $v) (f64x2.splat (f64.const 0)))
        (v128.or
          (v128.or
            (f64x2.ge (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $lo) (local.get $j)))) (local.get $cutLoV))
            (f64x2.ge (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $hi) (local.get $j)))) (local.get $cutHiV)))
          (local.get $star))))
      (if (v128.any_true (local.get $m))
        (then (local.set $count (call $keep (local.get $m) (local.get $y) (local.get $cand) (local.get $count)))))
      (local.set $y (i32.add (local.get $y) (i32.const 2)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $pair)))
    (if (i32.and (local.get $c) (i32.const 1))
      (then
        (local.set $x (f64.load (i32.add (local.get $row) (local.get $end))))
        (local.set $a (f64.load (i32.add (local.get $sa) (local.get $end))))
        (local.set $bb (f64.load (i32.add (local.get $sb) (local.get $end))))
        (local.set $pass (i32.or
          (i32.or
            (f64.ge (f64.mul (local.get $x) (f64.load (i32.add (local.get $lo) (local.get $end)))) (local.get $cutLo))
            (f64.ge (f64.mul (local.get $x) (f64.load (i32.add (local.get $hi) (local.get $end)))) (local.get $cutHi)))
          (i32.and (i32.ne (local.get $kink) (i32.const 0))
            (f64.ge (f64.mul (local.get $x) (select (local.get $a) (local.get $bb) (f64.gt (local.get $a) (local.get $bb)))) (local.get $cutStar)))))
        (if (i32.and (f64.gt (local.get $x) (f64.const 0)) (local.get $pass))
          (then
            (i32.store (i32.add (local.get $cand) (i32.shl (local.get $count) (i32.const 2))) (local.get $y))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))))))
    (local.get $count))

  ;; Step 3 over the `count` candidates cand `[count]` of one row: with g_qp = s_y·sbp[y·np + p] + b_y (y = cand[q], sbp
  ;; `[c, np]` the scales at the np breakpoints), keeps the candidates with max(g_{q,sgm}, g_{q,sgm+1}) ≥ bound_sgm on some
  ;; segment sgm, where bound_sgm = max_p min(g_{a_p,sgm}, g_{a_p,sgm+1}) − 1e−9·(1 + max |g|) and a_p = first argmax_q g_qp;
  ;; compacts cand, writes each kept candidate's segment bits to mask and returns their number. Scratch: g `[count, np]`
  ;; float64, best `[np]` float64, arg `[np]` int32, bound `[np]` float64.
  (func (export "narrow")
    (param $row i32) (param $b i32) (param $sbp i32) (param $np i32) (param $cand i32) (param $count i32) (param $mask i32)
    (param $g i32) (param $best i32) (param $arg i32) (param $bound i32) (result i32)
    (local $q i32) (local $p i32) (local $y i32) (local $sp i32) (local $gp i32) (local $sgm i32) (local $kept i32) (local $bits i32)
    (local $v f64) (local $by f64) (local $x f64) (local $maxAbs f64) (local $slack f64) (local $lb f64) (local $lo f64) (local $hi f64) (local $m f64)
    (local.set $p (i32.const 0))
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $p) (local.get $np)))
      (f64.store (i32.add (local.get $best) (i32.shl (local.get $p) (i32.const 3))) (f64.const -inf))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $l0)))
    (local.set $q (i32.const 0))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $q) (local.get $count)))
      (local.set $y (i32.load (i32.add (local.get $cand) (i32.shl (local.get $q) (i32.const 2)))))
      (local.set $v (f64.load (i32.add (local.get $row) (i32.shl (local.get $y) (i32.const 3)))))
      (local.set $by (f64.load (i32.add (local.get $b) (i32.shl (local.get $y) (i32.const 3)))))
      (local.set $sp (i32.add (local.get $sbp) (i32.shl (i32.mul (local.get $y) (local.get $np)) (i32.const 3))))
      (local.set $gp (i32.add (local.get $g) (i32.shl (i32.mul (local.get $q) (local.get $np)) (i32.const 3))))
      (local.set $p (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $p) (local.get $np)))
        (local.set $x (f64.add (f64.mul (local.get $v) (f64.load (i32.add (local.get $sp) (i32.shl (local.get $p) (i32.const 3))))) (local.get $by)))
        (f64.store (i32.add (local.get $gp) (i32.shl (local.get $p) (i32.const 3))) (local.get $x))
        (if (f64.gt (local.get $x) (f64.load (i32.add (local.get $best) (i32.shl (local.get $p) (i32.const 3)))))
          (then
            (f64.store (i32.add (local.get $best) (i32.shl (local.get $p) (i32.const 3))) (local.get $x))
            (i32.store (i32.add (local.get $arg) (i32.shl (local.get $p) (i32.const 2))) (local.get $q))))
        (if (f64.gt (f64.abs (local.get $x)) (local.get $maxAbs)) (then (local.set $maxAbs (f64.abs (local.get $x)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l2)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $l1)))
    (local.set $slack (f64.mul (f64.const 1e-9) (f64.add (f64.const 1) (local.get $maxAbs))))
    (local.set $sgm (i32.const 0))
    (block $d3 (loop $l3
      (br_if $d3 (i32.ge_u (i32.add (local.get $sgm) (i32.const 1)) (local.get $np)))
      (local.set $lb (f64.const -inf))
      (local.set $p (i32.const 0))
      (block $d4 (loop $l4
        (br_if $d4 (i32.ge_u (local.get $p) (local.get $np)))
        (local.set $gp (i32.add (local.get $g)
          (i32.shl (i32.add (i32.mul (i32.load (i32.add (local.get $arg) (i32.shl (local.get $p) (i32.const 2)))) (local.get $np)) (local.get $sgm)) (i32.const 3))))
        (local.set $lo (f64.load (local.get $gp)))
        (local.set $hi (f64.load offset=8 (local.get $gp)))
        (local.set $m (select (local.get $lo) (local.get $hi) (f64.lt (local.get $lo) (local.get $hi))))
        (if (f64.gt (local.get $m) (local.get $lb)) (then (local.set $lb (local.get $m))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l4)))
      (f64.store (i32.add (local.get $bound) (i32.shl (local.get $sgm) (i32.const 3))) (f64.sub (local.get $lb) (local.get $slack)))
      (local.set $sgm (i32.add (local.get $sgm) (i32.const 1)))
      (br $l3)))
    (local.set $q (i32.const 0))
    (block $d5 (loop $l5
      (br_if $d5 (i32.ge_u (local.get $q) (local.get $count)))
      (local.set $bits (i32.const 0))
      (local.set $gp (i32.add (local.get $g) (i32.shl (i32.mul (local.get $q) (local.get $np)) (i32.const 3))))
      (local.set $sgm (i32.const 0))
      (block $d6 (loop $l6
        (br_if $d6 (i32.ge_u (i32.add (local.get $sgm) (i32.const 1)) (local.get $np)))
        (local.set $lo (f64.load (i32.add (local.get $gp) (i32.shl (local.get $sgm) (i32.const 3)))))
        (local.set $hi (f64.load offset=8 (i32.add (local.get $gp) (i32.shl (local.get $sgm) (i32.const 3)))))
        (if (f64.ge (select (local.get $lo) (local.get $hi) (f64.gt (local.get $lo) (local.get $hi)))
                    (f64.load (i32.add (local.get $bound) (i32.shl (local.get $sgm) (i32.const 3)))))
          (then (local.set $bits (i32.or (local.get $bits) (i32.shl (i32.const 1) (local.get $sgm))))))
        (local.set $sgm (i32.add (local.get $sgm) (i32.const 1)))
        (br $l6)))
      (if (local.get $bits)
        (then
          (i32.store (i32.add (local.get $cand) (i32.shl (local.get $kept) (i32.const 2)))
            (i32.load (i32.add (local.get $cand) (i32.shl (local.get $q) (i32.const 2)))))
          (i32.store (i32.add (local.get $mask) (i32.shl (local.get $kept) (i32.const 2))) (local.get $bits))
          (local.set $kept (i32.add (local.get $kept) (i32.const 1)))))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $l5)))
    (local.get $kept))

  ;; The first arg-max over the candidates at every grid τ_k (k < t) whose segment bit segBit[k] the candidate's mask has:
  ;; g = s_y·sbc[y·t + k] + b_y (sbc `[c, t]` the scales by class), candidates in increasing class order; writes the
  ;; winning class (−1 if none) to win `[t]`. Scratch: best `[t]` float64.
  (func (export "winners")
    (param $row i32) (param $b i32) (param $sbc i32) (param $t i32) (param $cand i32) (param $count i32) (param $mask i32)
    (param $segBit i32) (param $best i32) (param $win i32)
    (local $q i32) (local $k i32) (local $y i32) (local $bits i32) (local $sp i32) (local $v f64) (local $by f64) (local $x f64) (local $at i32)
    (local.set $k (i32.const 0))
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $k) (local.get $t)))
      (f64.store (i32.add (local.get $best) (i32.shl (local.get $k) (i32.const 3))) (f64.const -inf))
      (i32.store (i32.add (local.get $win) (i32.shl (local.get $k) (i32.const 2))) (i32.const -1))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $l0)))
    (local.set $q (i32.const 0))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $q) (local.get $count)))
      (local.set $y (i32.load (i32.add (local.get $cand) (i32.shl (local.get $q) (i32.const 2)))))
      (local.set $bits (i32.load (i32.add (local.get $mask) (i32.shl (local.get $q) (i32.const 2)))))
      (local.set $v (f64.load (i32.add (local.get $row) (i32.shl (local.get $y) (i32.const 3)))))
      (local.set $by (f64.load (i32.add (local.get $b) (i32.shl (local.get $y) (i32.const 3)))))
      (local.set $sp (i32.add (local.get $sbc) (i32.shl (i32.mul (local.get $y) (local.get $t)) (i32.const 3))))
      (local.set $k (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $k) (local.get $t)))
        (if (i32.and (local.get $bits) (i32.load (i32.add (local.get $segBit) (i32.shl (local.get $k) (i32.const 2)))))
          (then
            (local.set $x (f64.add (f64.mul (local.get $v) (f64.load (i32.add (local.get $sp) (i32.shl (local.get $k) (i32.const 3))))) (local.get $by)))
            (local.set $at (i32.add (local.get $win) (i32.shl (local.get $k) (i32.const 2))))
            (if (i32.or (f64.gt (local.get $x) (f64.load (i32.add (local.get $best) (i32.shl (local.get $k) (i32.const 3)))))
                        (i32.lt_s (i32.load (local.get $at)) (i32.const 0)))
              (then
                (f64.store (i32.add (local.get $best) (i32.shl (local.get $k) (i32.const 3))) (local.get $x))
                (i32.store (local.get $at) (local.get $y))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l2)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $l1)))))
