/// Resamples a signal by a rational factor `up / down` exactly as `scipy.signal.resample_poly(x, up, down)` does
/// with its defaults: the factors are reduced by their gcd, the anti-aliasing filter is `firwin(2 * 10 * max(up,
/// down) + 1, 1 / max(up, down), window=('kaiser', 5.0))` scaled by `up`, the signal is zero-padded at both ends
/// (`padtype='constant'`), and the output has `ceil(n * up / down)` samples, the first aligned with the first
/// input sample.
///
/// Why polyphase and not FFT resampling (`scipy.signal.resample`): the FIR filter is local, so a record's ends do
/// not wrap around into each other as the FFT method's periodic assumption makes them, and each output sample
/// costs about `20 * max(up, down) / up` multiply-adds with no DFT of awkward lengths (2570 = 2·5·257) needed.
public struct PolyphaseResampler: Sendable {
    /// The interpolation factor after reducing by the gcd.
    public let up: Int
    /// The decimation factor after reducing by the gcd.
    public let down: Int
    /// Filter taps (times `up`), centred at index `halfLength`.
    private let taps: [Double]
    private let halfLength: Int

    /// The largest reduced factor accepted; the filter has `20 * factor + 1` taps.
    public static let maximumFactor = 10_000
    /// scipy's default Kaiser window shape for `resample_poly`.
    public static let kaiserBeta = 5.0

    /// A resampler by `up / down` (reduced by their gcd).
    public init(up: Int, down: Int) throws(ResamplingError) {
        guard up > 0, down > 0 else { throw .invalidFactors(up: up, down: down) }
        let divisor = Self.greatestCommonDivisor(up, down)
        let (reducedUp, reducedDown) = (up / divisor, down / divisor)
        let largest = max(reducedUp, reducedDown)
        guard largest <= Self.maximumFactor else { throw .unsupportedRatio(from: Double(down), to: Double(up)) }
        self.up = reducedUp
        self.down = reducedDown
        halfLength = largest == 1 ? 0 : 10 * largest
        taps = KaiserLowpassFilter.taps(halfLength: halfLength, cutoff: 1 / Double(largest), beta: Self.kaiserBeta)
            .map { $0 * Double(reducedUp) }
    }

    /// A resampler from `sourceRate` to `targetRate` Hz; rates are read to three decimals and the ratio reduced.
    public init(from sourceRate: Double, to targetRate: Double) throws(ResamplingError) {
        for rate in [sourceRate, targetRate] where !(rate.isFinite && rate > 0) { throw .invalidRate(rate) }
        for scale in [1.0, 10, 100, 1000] {
            let source = (sourceRate * scale).rounded(), target = (targetRate * scale).rounded()
            let exact = abs(source - sourceRate * scale) <= 1e-9 * source
                && abs(target - targetRate * scale) <= 1e-9 * target
            guard exact, source <= Double(Int32.max), target <= Double(Int32.max) else { continue }
            let divisor = Self.greatestCommonDivisor(Int(target), Int(source))
            guard max(Int(target), Int(source)) / divisor <= Self.maximumFactor else { break }
            try self.init(up: Int(target), down: Int(source))
            return
        }
        throw .unsupportedRatio(from: sourceRate, to: targetRate)
    }

    /// Output samples for `inputLength` input samples: `ceil(inputLength * up / down)`, scipy's rule.
    public func outputLength(forInputLength inputLength: Int) -> Int {
        (inputLength * up + down - 1) / down
    }

    /// The resampled signal; NaN samples spread NaN over the outputs whose filter span covers them.
    public func resample(_ signal: [Float]) -> [Float] {
        let outputCount = outputLength(forInputLength: signal.count)
        return signal.withUnsafeBufferPointer { input in
            taps.withUnsafeBufferPointer { taps in
                [Float](unsafeUninitializedCapacity: outputCount) { output, initialized in
                    resample(input, taps: taps, into: output)
                    initialized = outputCount
                }
            }
        }
    }

    /// Output sample `m` sits at upsampled time `t = m * down`; it sums `x[j] * h[t - j * up]` over the inputs `j`
    /// within the filter's half-length of `t` (samples outside the signal are zero).
    private func resample(_ input: UnsafeBufferPointer<Float>, taps: UnsafeBufferPointer<Double>,
                          into output: UnsafeMutableBufferPointer<Float>) {
        let up = self.up, down = self.down, halfLength = self.halfLength
        let lastInput = input.count - 1
        for outputIndex in 0..<output.count {
            let time = outputIndex * down
            let firstInput = max(0, Self.ceilingDivision(time - halfLength, up))
            let endInput = min(lastInput, (time + halfLength) / up)
            var sum = 0.0
            var tap = halfLength + time - firstInput * up
            var inputIndex = firstInput
            while inputIndex <= endInput {
                sum += Double(input[inputIndex]) * taps[tap]
                tap -= up
                inputIndex += 1
            }
            output[outputIndex] = Float(sum)
        }
    }

    /// `ceil(numerator / denominator)` for a positive denominator and a numerator of either sign.
    private static func ceilingDivision(_ numerator: Int, _ denominator: Int) -> Int {
        numerator >= 0 ? (numerator + denominator - 1) / denominator : -((-numerator) / denominator)
    }

    private static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}

/// Why a resampler could not be built for the requested rates.
public enum ResamplingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A sampling rate is zero, negative, infinite or NaN.
    case invalidRate(Double)
    /// An up or down factor is not positive.
    case invalidFactors(up: Int, down: Int)
    /// The rates' ratio needs factors above `PolyphaseResampler.maximumFactor` (or more than three decimals).
    case unsupportedRatio(from: Double, to: Double)

    public var description: String {
        switch self {
        case let .invalidRate(rate):
            return "sampling rate \(rate) Hz is not a positive, finite number. Check the record header or the "
                + "target rate."
        case let .invalidFactors(up, down):
            return "resampling factors up \(up) / down \(down) must both be positive."
        case let .unsupportedRatio(from, to):
            return "resampling from \(from) Hz to \(to) Hz needs a rational factor with terms above "
                + "\(PolyphaseResampler.maximumFactor) (rates are read to at most three decimals). Choose a "
                + "target rate with a simpler ratio to the source rate."
        }
    }
}

extension ECGRecord {
    /// This record with every lead resampled to `targetRate` Hz by `PolyphaseResampler` (scipy's `resample_poly`);
    /// the record itself when it is already at that rate. Each call designs the filter anew (up to
    /// `20 * PolyphaseResampler.maximumFactor + 1` taps), which is cheap next to reading a record.
    public func resampled(to targetRate: Double) throws(ResamplingError) -> ECGRecord {
        if targetRate == samplingFrequency { return self }
        let resampler = try PolyphaseResampler(from: samplingFrequency, to: targetRate)
        var record = self
        record.signals = signals.map(resampler.resample)
        record.samplingFrequency = targetRate
        return record
    }
}
