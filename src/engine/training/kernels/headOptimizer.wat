;; The head fast path's optimizer updates as WebAssembly SIMD (f32x4) loops: training/headOptimizer.ts explains the
;; formulas and owns the memory; scripts/generateWasmKernels.ts compiles this file (wabt) into
;; src/engine/training/kernels/headOptimizerWasm.ts. Every float operation is float32 and in the order of the
;; TF.js optimizers the reference path uses (tf.train.momentum, tf.train.adam), one rounding per operation.
;;
;; Arrays are byte offsets into the exported memory, 16-byte aligned, holding n float32 values, n a multiple of 4
;; (headOptimizer.ts pads every array with zeros to a multiple of 4; a zero weight with a zero gradient and zero
;; state stays zero under both updates, so the padding never changes).
(module
  (memory (export "memory") 0)

  ;; Σ w² of a f32x4 (in float64, two lanes at a time), added to acc.
  (func $squares (param $x v128) (param $acc f64) (result f64)
    (local $lo v128)
    (local $hi v128)
    (local.set $lo (f64x2.promote_low_f32x4 (local.get $x)))
    (local.set $hi (f64x2.promote_low_f32x4
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x))))
    (local.set $lo (f64x2.add (f64x2.mul (local.get $lo) (local.get $lo)) (f64x2.mul (local.get $hi) (local.get $hi))))
    (f64.add (local.get $acc)
      (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo)))))

  ;; Momentum SGD (tf.train.momentum, no Nesterov): g ← g + λw (when λ ≠ 0), a ← μa + g, w ← w + a·(−lr).
  ;; Returns Σ w² of the new weights when λ ≠ 0, else 0.
  (func (export "sgd")
    (param $w i32) (param $g i32) (param $a i32) (param $n i32)
    (param $negLr f32) (param $mu f32) (param $decay f32)
    (result f64)
    (local $end i32) (local $o i32)
    (local $wv v128) (local $gv v128) (local $av v128)
    (local $negLrV v128) (local $muV v128) (local $decayV v128)
    (local $withDecay i32) (local $acc f64)
    (local.set $negLrV (f32x4.splat (local.get $negLr)))
    (local.set $muV (f32x4.splat (local.get $mu)))
    (local.set $decayV (f32x4.splat (local.get $decay)))
    (local.set $withDecay (f32.ne (local.get $decay) (f32.const 0)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $wv (v128.load (i32.add (local.get $w) (local.get $o))))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $o))))
        (if (local.get $withDecay)
          (then (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (local.get $wv) (local.get $decayV))))))
        (local.set $av (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $o))) (local.get $muV))
          (local.get $gv)))
        (v128.store (i32.add (local.get $a) (local.get $o)) (local.get $av))
        (local.set $wv (f32x4.add (f32x4.mul (local.get $av) (local.get $negLrV)) (local.get $wv)))
        (v128.store (i32.add (local.get $w) (local.get $o)) (local.get $wv))
        (if (local.get $withDecay)
          (then (local.set $acc (call $squares (local.get $wv) (local.get $acc)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $next)))
    (local.get $acc))

  ;; Adam (tf.train.adam): g ← g + λw (when λ ≠ 0), m ← m·β₁ + g·(1 − β₁), v ← v·β₂ + g²·(1 − β₂),
  ;; w ← (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε) · (−lr) + w. $c1 = 1 − β₁ᵗ, $c2 = 1 − β₂ᵗ (float32, as TF.js's
  ;; accBeta variables give them). Returns Σ w² of the new weights when λ ≠ 0, else 0.
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $negLr f32) (param $b1 f32) (param $oneMinusB1 f32) (param $b2 f32) (param $oneMinusB2 f32)
    (param $c1 f32) (param $c2 f32) (param $eps f32) (param $decay f32)
    (result f64)
    (local $end i32) (local $o i32)
    (local $wv v128) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $negLrV v128) (local $b1V v128) (local $oneMinusB1V v128) (local $b2V v128) (local $oneMinusB2V v128)
    (local $c1V v128) (local $c2V v128) (local $epsV v128) (local $decayV v128)
    (local $withDecay i32) (local $acc f64)
    (local.set $negLrV (f32x4.splat (local.get $negLr)))
    (local.set $b1V (f32x4.splat (local.get $b1)))
    (local.set $oneMinusB1V (f32x4.splat (local.get $oneMinusB1)))
    (local.set $b2V (f32x4.splat (local.get $b2)))
    (local.set $oneMinusB2V (f32x4.splat (local.get $oneMinusB2)))
    (local.set $c1V (f32x4.splat (local.get $c1)))
    (local.set $c2V (f32x4.splat (local.get $c2)))
    (local.set $epsV (f32x4.splat (local.get $eps)))
    (local.set $decayV (f32x4.splat (local.get $decay)))
    (local.set $withDecay (f32.ne (local.get $decay) (f32.const 0)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $wv (v128.load (i32.add (local.get $w) (local.get $o))))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $o))))
        (if (local.get $withDecay)
          (then (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (local.get $wv) (local.get $decayV))))))
        (local.set $mv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $o))) (local.get $b1V))
          (f32x4.mul (local.get $gv) (local.get $oneMinusB1V))))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $o))) (local.get $b2V))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $oneMinusB2V))))
        (v128.store (i32.add (local.get $m) (local.get $o)) (local.get $mv))
        (v128.store (i32.add (local.get $v) (local.get $o)) (local.get $vv))
        (local.set $wv (f32x4.add
          (f32x4.mul
            (f32x4.div
              (f32x4.div (local.get $mv) (local.get $c1V))
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $c2V))) (local.get $epsV)))
            (local.get $negLrV))
          (local.get $wv)))
        (v128.store (i32.add (local.get $w) (local.get $o)) (local.get $wv))
        (if (local.get $withDecay)
          (then (local.set $acc (call $squares (local.get $wv) (local.get $acc)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $next)))
    (local.get $acc))
)
