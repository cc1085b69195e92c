import Foundation

/// The magnitude spectrogram front end of the STFT-CNN networks: `|STFT|` with a periodic Hann window of `nFFT`
/// samples and hop `hop`, optionally `log1p`, exactly as `torch.stft(x, nFFT, hop, window=torch.hann_window(nFFT),
/// center=True, pad_mode="reflect", return_complex=True).abs()` (then `.log1p()`), per lead.
///
/// `[N, C, L]` (leads as the data pipeline gives them) becomes channels-last `[N, F, T, C]` (`Conv2D`'s layout, `H` the
/// `F = nFFT/2 + 1` frequency bins, `W` the `T = 1 + ⌊L / hop⌋` frames). The transform is a fixed, non-trainable DFT:
/// the reflect-padded signal cut into frames `[frames, nFFT]` times one `[nFFT, 2F]` matrix of the windowed cosines and
/// negated sines (one GEMM per fixed block of samples), then the magnitude of each (re, im) pair. It has no
/// parameters; `backward` still gives `dL/dx` (through the magnitude, where it is not 0, the DFT, the overlap of the
/// frames and the reflection), for completeness and the finite-difference check: the networks never ask for it.
/// `SpectrogramReference` is the plain-loop definition in Float64.
public final class Spectrogram {
    public let nFFT: Int
    public let hop: Int
    public let logarithmic: Bool
    public var bins: Int { nFFT / 2 + 1 }

    /// `[nFFT, 2·bins]`: column `f` is `w[k]·cos(2πfk/nFFT)`, column `bins + f` is `−w[k]·sin(2πfk/nFFT)`.
    private let basis: [Float]
    private var inputShape: [Int] = []
    private var frames = ReusableStorage()
    private var spectrum = ReusableStorage()
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    /// Samples per block of GEMM rows: fixed, so the bits do not depend on the thread count.
    static let samplesPerBlock = 8

    public init(nFFT: Int, hop: Int, logarithmic: Bool) {
        precondition(nFFT >= 2 && nFFT % 2 == 0 && hop > 0, "the STFT needs an even n_fft >= 2 and a positive hop")
        (self.nFFT, self.hop, self.logarithmic) = (nFFT, hop, logarithmic)
        let bins = nFFT / 2 + 1
        var basis = [Float](repeating: 0, count: nFFT * 2 * bins)
        for k in 0..<nFFT {
            let window = 0.5 - 0.5 * cos(2 * Double.pi * Double(k) / Double(nFFT))
            for f in 0..<bins {
                // (f·k) mod nFFT keeps the angle small, so the table is exact to Float32 rounding.
                let angle = 2 * Double.pi * Double((f * k) % nFFT) / Double(nFFT)
                basis[k * 2 * bins + f] = Float(window * cos(angle))
                basis[k * 2 * bins + bins + f] = Float(-window * sin(angle))
            }
        }
        self.basis = basis
    }

    /// Frames of a signal of `length` samples.
    public func frameCount(_ length: Int) -> Int { 1 + length / hop }

    /// Multiply-accumulates of one forward pass on one lead of `length` samples.
    public func multiplyAccumulates(length: Int) -> Int { frameCount(length) * nFFT * 2 * bins }

    /// Index into a signal of `length` of position `j` of its reflect-padded version (`nFFT/2` on each side).
    @inline(__always) func reflected(_ j: Int, length: Int) -> Int {
        let i = j - nFFT / 2
        return i < 0 ? -i : (i >= length ? 2 * (length - 1) - i : i)
    }

    /// `[N, C, L]` → `[N, bins, T, C]`.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 3, "Spectrogram expects [N, leads, L], got \(x.shape)")
        let (batch, leads, length) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(length > nFFT / 2, "the STFT's reflect padding of \(nFFT / 2) needs windows longer than that, got \(length) samples")
        inputShape = x.shape
        let (steps, bins, nFFT, hop) = (frameCount(length), self.bins, self.nFFT, self.hop)
        let rowsPerSample = leads * steps
        let framed = frames.tensor([batch * rowsPerSample, nFFT])
        let spectrum = spectrum.tensor([batch * rowsPerSample, 2 * bins])
        let y = output.tensor([batch, bins, steps, leads])
        basis.withUnsafeBufferPointer { basis in
            let shared = UncheckedSendable((x.base, framed.base, spectrum.base, y.base, basis.baseAddress!))
            Parallel.forEachBlock(batch, block: Spectrogram.samplesPerBlock) { samples in
                let (x, framed, spectrum, y, basis) = shared.value
                for n in samples {
                    for c in 0..<leads {
                        let signal = x + (n * leads + c) * length
                        for t in 0..<steps {
                            let frame = framed + ((n * leads + c) * steps + t) * nFFT
                            for k in 0..<nFFT { frame[k] = signal[reflected(t * hop + k, length: length)] }
                        }
                    }
                }
                let first = samples.lowerBound * rowsPerSample
                BLAS.gemm(transposeA: false, transposeB: false, m: samples.count * rowsPerSample, n: 2 * bins, k: nFFT,
                          a: framed + first * nFFT, lda: nFFT, b: basis, ldb: 2 * bins, beta: 0,
                          c: spectrum + first * 2 * bins, ldc: 2 * bins)
                for n in samples {
                    for c in 0..<leads {
                        for t in 0..<steps {
                            let row = spectrum + ((n * leads + c) * steps + t) * 2 * bins
                            for f in 0..<bins {
                                let magnitude = (row[f] * row[f] + row[bins + f] * row[bins + f]).squareRoot()
                                y[((n * bins + f) * steps + t) * leads + c] = logarithmic ? log1p(magnitude) : magnitude
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// `dL/dx` `[N, C, L]` for `dy` of the last forward's `[N, bins, T, C]`; a bin of magnitude 0 passes no gradient
    /// (PyTorch's `abs` of a complex 0 does the same).
    public func backward(_ dy: Tensor) -> Tensor {
        let (batch, leads, length) = (inputShape[0], inputShape[1], inputShape[2])
        let (steps, bins, nFFT, hop, logarithmic) = (frameCount(length), self.bins, self.nFFT, self.hop, self.logarithmic)
        precondition(dy.shape == [batch, bins, steps, leads], "Spectrogram gradient \(dy.shape) for input \(inputShape)")
        let rowsPerSample = leads * steps
        let dSpectrum = spectrum.tensor([batch * rowsPerSample, 2 * bins])  // overwritten in place: forward's spectrum
        let dFrames = frames.tensor([batch * rowsPerSample, nFFT])
        let dx = inputGradient.tensor(inputShape)
        basis.withUnsafeBufferPointer { basis in
            let shared = UncheckedSendable((dy.base, dSpectrum.base, dFrames.base, dx.base, basis.baseAddress!))
            Parallel.forEachBlock(batch, block: Spectrogram.samplesPerBlock) { samples in
                let (dy, spectrum, dFrames, dx, basis) = shared.value
                for n in samples {
                    for c in 0..<leads {
                        for t in 0..<steps {
                            let row = spectrum + ((n * leads + c) * steps + t) * 2 * bins
                            for f in 0..<bins {
                                let (re, im) = (row[f], row[bins + f])
                                let magnitude = (re * re + im * im).squareRoot()
                                var g = dy[((n * bins + f) * steps + t) * leads + c]
                                if logarithmic { g /= 1 + magnitude }
                                let scale = magnitude > 0 ? g / magnitude : 0
                                (row[f], row[bins + f]) = (scale * re, scale * im)
                            }
                        }
                    }
                }
                let first = samples.lowerBound * rowsPerSample
                BLAS.gemm(transposeA: false, transposeB: true, m: samples.count * rowsPerSample, n: nFFT, k: 2 * bins,
                          a: spectrum + first * 2 * bins, lda: 2 * bins, b: basis, ldb: 2 * bins, beta: 0,
                          c: dFrames + first * nFFT, ldc: nFFT)
                for n in samples {
                    for c in 0..<leads {
                        let signal = dx + (n * leads + c) * length
                        signal.update(repeating: 0, count: length)
                        for t in 0..<steps {
                            let frame = dFrames + ((n * leads + c) * steps + t) * nFFT
                            for k in 0..<nFFT { signal[reflected(t * hop + k, length: length)] += frame[k] }
                        }
                    }
                }
            }
        }
        return dx
    }
}

/// The definition of `Spectrogram` as plain loops with Float64 sums and angles: `|Σ_k w[k]·x̃[t·hop + k]·e^{−2πifk/n}|`
/// of the reflect-padded `x̃`, in `[N, bins, T, C]`. The oracle the GEMM path is tested against; not used in training.
public enum SpectrogramReference {
    public static func forward(x: [Float], batch: Int, leads: Int, length: Int, nFFT: Int, hop: Int, logarithmic: Bool) -> [Float] {
        let (bins, steps) = (nFFT / 2 + 1, 1 + length / hop)
        var y = [Float](repeating: 0, count: batch * bins * steps * leads)
        for n in 0..<batch {
            for c in 0..<leads {
                for t in 0..<steps {
                    for f in 0..<bins {
                        var (re, im) = (0.0, 0.0)
                        for k in 0..<nFFT {
                            let i = t * hop + k - nFFT / 2
                            let sample = Double(x[(n * leads + c) * length + (i < 0 ? -i : (i >= length ? 2 * (length - 1) - i : i))])
                            let window = 0.5 - 0.5 * cos(2 * Double.pi * Double(k) / Double(nFFT))
                            let angle = 2 * Double.pi * Double(f * k) / Double(nFFT)
                            re += window * sample * cos(angle)
                            im -= window * sample * sin(angle)
                        }
                        let magnitude = (re * re + im * im).squareRoot()
                        y[((n * bins + f) * steps + t) * leads + c] = Float(logarithmic ? log1p(magnitude) : magnitude)
                    }
                }
            }
        }
        return y
    }
}
