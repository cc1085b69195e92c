import Foundation

/// A WFDB record as stored on disk: its header and every signal's raw ADC samples, before conversion to
/// physical units.
public struct WFDBRecord: Sendable {
    public var header: WFDBHeader
    /// Where the header was read from; signal files are resolved relative to its directory.
    public var headerURL: URL
    /// ADC values laid out `[signal][sample]`, signals in header order, every signal `sampleCount` long.
    public var samples: [[Int16]]

    /// A record from a header and its samples `[signal][sample]`.
    public init(header: WFDBHeader, headerURL: URL, samples: [[Int16]]) {
        self.header = header
        self.headerURL = headerURL
        self.samples = samples
    }

    /// Samples per signal.
    public var sampleCount: Int { samples.first?.count ?? header.sampleCount ?? 0 }

    /// Signal `index` (a valid index into `header.signals`) in millivolts: `(adc - baseline) / gain`, scaled from the header's units to mV; WFDB's
    /// invalid-sample marker (the format's most negative value) becomes NaN.
    public func millivolts(signal index: Int) throws(WFDBRecordError) -> [Float] {
        let specification = header.signals[index]
        guard let unitsInMillivolts = Self.millivolts(perUnit: specification.units) else {
            throw .unsupportedUnits(headerURL, signal: specification.leadName, units: specification.units)
        }
        let scale = unitsInMillivolts / specification.gain
        guard scale.isFinite, Self.usableMillivoltsPerUnit.contains(abs(scale)) else {
            throw .unusableGain(headerURL, signal: specification.leadName, gain: specification.gain,
                                millivoltsPerUnit: scale)
        }
        // In Double: a baseline near Int's limits must not overflow an integer subtraction.
        let baseline = Double(specification.baseline)
        let invalid = specification.format.invalidSampleValue
        return samples[index].withUnsafeBufferPointer { adc in
            [Float](unsafeUninitializedCapacity: adc.count) { output, initialized in
                for sample in 0..<adc.count {
                    let value = adc[sample]
                    output[sample] = value == invalid ? .nan : Float((Double(value) - baseline) * scale)
                }
                initialized = adc.count
            }
        }
    }

    /// Millivolts per ADC unit a gain may give: 1 nV to 1 V. Outside it a gain is a typo or damage (1e-300 adu/mV
    /// would turn every sample into an infinity, which would then be misread as missing data).
    public static let usableMillivoltsPerUnit = 1e-6...1e3

    /// Millivolts per physical unit for the unit spellings WFDB headers use (`mV`, `uV`/`µV`, `V`), nil otherwise.
    static func millivolts(perUnit units: String) -> Double? {
        switch units.lowercased() {
        case "mv": return 1
        case "uv", "µv", "μv": return 1e-3
        case "v": return 1e3
        default: return nil
        }
    }
}
