import Foundation

/// A zero-phase Butterworth band-pass filter for removing baseline wander and high-frequency noise from ECG leads
/// (e.g. 0.5-40 Hz): the design of `scipy.signal.butter(order, [low, high], btype='band', output='sos', fs=fs)`
/// applied forward and backward as `scipy.signal.sosfiltfilt(sos, x)` does with its defaults.
///
/// Design, as scipy does it: the analog Butterworth prototype's `order` poles, the corners pre-warped by
/// `2 fs' tan(pi f / fs)` with `fs' = 2`, the low-pass to band-pass transform (`2 * order` poles, `order` zeros
/// at 0), and the bilinear transform (zeros at z = +1 and z = -1, `order` of each). The poles are grouped into
/// `order` sections differently from scipy's `zpk2sos` (each conjugate pair, or the two real poles of a real
/// prototype pole, with one zero at +1 and one at -1, the gain in the first section): the cascade's transfer
/// function is the same, and because `sosfiltfilt` starts each pass from the cascade's steady state, the filtered
/// signal equals scipy's up to rounding.
///
/// Edges, as scipy does it: `3 * (2 * order + 1)` samples of odd extension (`2 x[0] - x[k]`) at each end, the
/// forward pass started from the steady state for `x[0]`, the backward pass from that for the forward output's last
/// sample, the padding cut off again. Signals must be longer than that padding.
public struct ButterworthBandPassFilter: Sendable, Equatable, Codable {
    /// The Butterworth order of the prototype (the band-pass has twice as many poles).
    public let order: Int
    /// Lower -3 dB corner in Hz (of one pass; the forward-backward filter is -6 dB there).
    public let lowCutoff: Double
    /// Upper -3 dB corner in Hz (of one pass).
    public let highCutoff: Double
    public let samplingFrequency: Double
    /// The cascade, `order` sections.
    public let sections: [SecondOrderSection]

    /// The largest order accepted; higher orders have no use for ECG.
    public static let maximumOrder = 10

    /// The band-pass of `order` with -3 dB corners `lowCutoff` and `highCutoff` Hz for signals sampled at
    /// `samplingFrequency` Hz.
    public init(order: Int, lowCutoff: Double, highCutoff: Double,
                samplingFrequency: Double) throws(BandPassFilterError) {
        guard (1...Self.maximumOrder).contains(order) else { throw .invalidOrder(order) }
        guard samplingFrequency.isFinite, samplingFrequency > 0, lowCutoff > 0, lowCutoff < highCutoff,
              highCutoff < samplingFrequency / 2 else {
            throw .invalidCorners(low: lowCutoff, high: highCutoff, samplingFrequency: samplingFrequency)
        }
        self.order = order
        self.lowCutoff = lowCutoff
        self.highCutoff = highCutoff
        self.samplingFrequency = samplingFrequency
        sections = Self.design(order: order, low: 2 * lowCutoff / samplingFrequency,
                               high: 2 * highCutoff / samplingFrequency)
    }

    /// The usual ECG band, 0.5-40 Hz, with a 4th-order design (8 poles; 16 with the backward pass).
    public static func ecgDefault(samplingFrequency: Double) throws(BandPassFilterError) -> ButterworthBandPassFilter {
        try ButterworthBandPassFilter(order: 4, lowCutoff: 0.5, highCutoff: 40, samplingFrequency: samplingFrequency)
    }

    /// Decodes a stored filter and designs it anew from its order, corners and rate (stored sections are ignored).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(order: container.decode(Int.self, forKey: .order),
                          lowCutoff: container.decode(Double.self, forKey: .lowCutoff),
                          highCutoff: container.decode(Double.self, forKey: .highCutoff),
                          samplingFrequency: container.decode(Double.self, forKey: .samplingFrequency))
        } catch let error as BandPassFilterError {
            throw DecodingError.dataCorruptedError(forKey: .order, in: container, debugDescription: error.description)
        }
    }

    /// Samples of odd extension at each end, scipy's default `3 * ntaps` with `ntaps = 2 * sections + 1` (less the
    /// sections whose `b2` and `a2` are both 0, of which a band-pass has none).
    public var padLength: Int {
        let firstOrderNumerators = sections.filter { $0.b2 == 0 }.count
        let firstOrderDenominators = sections.filter { $0.a2 == 0 }.count
        return 3 * (2 * sections.count + 1 - min(firstOrderNumerators, firstOrderDenominators))
    }

    /// Filters `signal` in place; `name` (a record and lead) is only used in the error for a too-short signal.
    public func apply(to signal: UnsafeMutableBufferPointer<Float>, name: String) throws(BandPassFilterError) {
        guard signal.count > padLength else {
            throw .signalTooShort(record: name, samples: signal.count, padLength: padLength)
        }
        sections.withUnsafeBufferPointer { sections in
            ZeroPhaseSectionFilter.filter(signal, sections: sections, padLength: padLength)
        }
    }

    /// `signal` filtered.
    public func filtered(_ signal: [Float], name: String) throws(BandPassFilterError) -> [Float] {
        var output = signal
        try output.withUnsafeMutableBufferPointer { buffer throws(BandPassFilterError) in
            try apply(to: buffer, name: name)
        }
        return output
    }

    /// The sections for corners `low < high` given as fractions of the Nyquist frequency.
    private static func design(order: Int, low: Double, high: Double) -> [SecondOrderSection] {
        let bilinearRate = 4.0  // 2 * fs with scipy's normalised fs = 2
        let warpedLow = bilinearRate * tan(Double.pi * low / 2)
        let warpedHigh = bilinearRate * tan(Double.pi * high / 2)
        let bandwidth = warpedHigh - warpedLow
        let centreSquared = ComplexNumber(warpedLow * warpedHigh)

        /// The two band-pass poles of one low-pass prototype pole.
        func bandPassPoles(of prototype: ComplexNumber) -> (ComplexNumber, ComplexNumber) {
            let scaled = prototype * ComplexNumber(bandwidth / 2)
            let offset = (scaled * scaled - centreSquared).squareRoot
            return (scaled + offset, scaled - offset)
        }
        func bilinear(_ pole: ComplexNumber) -> ComplexNumber {
            (ComplexNumber(bilinearRate) + pole) / (ComplexNumber(bilinearRate) - pole)
        }

        var sections: [SecondOrderSection] = []
        var gainDenominator = ComplexNumber(1)
        // Prototype poles -exp(i pi m / (2 order)) for m = -order+1, -order+3, ..., order-1; those with m < 0 have
        // positive imaginary parts, m > 0 are their conjugates, m = 0 is the real pole of an odd order.
        for m in stride(from: -order + 1, through: 0, by: 2) {
            let prototype = ComplexNumber(magnitude: -1, angle: Double.pi * Double(m) / Double(2 * order))
            let (first, second) = bandPassPoles(of: prototype)
            if m == 0 {
                gainDenominator = gainDenominator * (ComplexNumber(bilinearRate) - first)
                    * (ComplexNumber(bilinearRate) - second)
                let (z1, z2) = (bilinear(first), bilinear(second))
                sections.append(section(a1: -(z1 + z2).real, a2: (z1 * z2).real))
            } else {
                for pole in [first, second] {
                    gainDenominator = gainDenominator * (ComplexNumber(bilinearRate) - pole)
                        * (ComplexNumber(bilinearRate) - pole.conjugate)
                    let z = bilinear(pole)
                    sections.append(section(a1: -2 * z.real, a2: z.magnitudeSquared))
                }
            }
        }
        // k = bandwidth^order (low-pass to band-pass) * prod(fs2 - zeros) / prod(fs2 - poles) (bilinear), the
        // analog zeros being `order` at the origin.
        let gain = pow(bandwidth * bilinearRate, Double(order)) / gainDenominator.real
        sections[0].b0 *= gain
        sections[0].b2 *= gain
        return sections
    }

    /// A section with zeros at z = +1 and z = -1 (numerator `1 - z^-2`) and the given denominator.
    private static func section(a1: Double, a2: Double) -> SecondOrderSection {
        SecondOrderSection(b0: 1, b1: 0, b2: -1, a1: a1, a2: a2)
    }
}

/// Why a band-pass filter could not be designed or applied.
public enum BandPassFilterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Butterworth order is outside `1...ButterworthBandPassFilter.maximumOrder`.
    case invalidOrder(Int)
    /// The corners are not `0 < low < high < samplingFrequency / 2`, or the sampling frequency is not positive.
    case invalidCorners(low: Double, high: Double, samplingFrequency: Double)
    /// The signal has no more samples than the edge padding (scipy raises the same error).
    case signalTooShort(record: String, samples: Int, padLength: Int)
    /// The filter was designed for another sampling frequency than the record's.
    case samplingFrequencyMismatch(record: String, recordFrequency: Double, filterFrequency: Double)

    public var description: String {
        switch self {
        case let .invalidOrder(order):
            return "Butterworth order \(order) is outside 1...\(ButterworthBandPassFilter.maximumOrder). Choose an "
                + "order in that range (2 to 4 is usual for ECG)."
        case let .invalidCorners(low, high, frequency):
            return "band-pass corners \(low)-\(high) Hz at \(frequency) Hz need 0 < low < high < \(frequency / 2) "
                + "(the Nyquist frequency). Choose corners inside that range, e.g. 0.5-40 Hz."
        case let .signalTooShort(record, samples, padLength):
            return "\(record): \(samples) samples are too few to band-pass; the zero-phase filter pads "
                + "\(padLength) samples at each end and needs more than that. Skip or lengthen this record."
        case let .samplingFrequencyMismatch(record, recordFrequency, filterFrequency):
            return "record \(record) is sampled at \(recordFrequency) Hz but the band-pass filter was designed for "
                + "\(filterFrequency) Hz. Resample the record first or design the filter for its rate."
        }
    }
}

extension ECGRecord {
    /// This record with every lead band-passed by `filter` (zero-phase, scipy's `sosfiltfilt`), done on the whole
    /// record before windows are cut so that window edges carry no filter transients. A NaN (missing) sample makes
    /// its whole lead NaN, which windowing then writes as zeros; `validate()` reports such records beforehand.
    public func bandPassFiltered(by filter: ButterworthBandPassFilter) throws(BandPassFilterError) -> ECGRecord {
        guard filter.samplingFrequency == samplingFrequency else {
            throw .samplingFrequencyMismatch(record: id, recordFrequency: samplingFrequency,
                                             filterFrequency: filter.samplingFrequency)
        }
        var record = self
        for lead in signals.indices {
            let name = lead < leadNames.count ? leadNames[lead] : "#\(lead + 1)"
            record.signals[lead] = try filter.filtered(signals[lead], name: "record \(id) lead \(name)")
        }
        return record
    }
}
