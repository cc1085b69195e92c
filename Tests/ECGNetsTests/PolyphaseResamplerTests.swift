import ECGNets
import Foundation
import Testing

/// `Fixtures/resample/reference.json`: lead II of E07500 resampled by scipy (see its SOURCE.md).
struct ResampleReference: Decodable {
    struct Output: Decodable {
        let method: String
        let data: [Double]
    }

    struct Case: Decodable {
        let targetRate: Int
        let fft: Output
        let poly: Output

        enum CodingKeys: String, CodingKey {
            case targetRate = "target_fs", fft, poly
        }
    }

    let fs: Int
    let signal: [Double]
    let cases: [Case]

    static func load() throws -> ResampleReference {
        let url = RecordsTestSupport.fixtures("resample").appendingPathComponent("reference.json")
        return try JSONDecoder().decode(ResampleReference.self, from: Data(contentsOf: url))
    }
}

/// `Fixtures/resample/scipy-reference.json`, written by `make_scipy_reference.py` beside it.
struct ScipyResampleReference: Decodable {
    struct Length: Decodable {
        let n: Int
        let up: Int
        let down: Int
        let output: Int
        let roundTrip: Int
    }

    struct Values: Decodable {
        let up: Int
        let down: Int
        let n: Int
        let data: [Double]
    }

    let lengths: [Length]
    let values: [Values]

    static func load() throws -> ScipyResampleReference {
        let url = RecordsTestSupport.fixtures("resample").appendingPathComponent("scipy-reference.json")
        return try JSONDecoder().decode(ScipyResampleReference.self, from: Data(contentsOf: url))
    }
}

@Suite struct PolyphaseResamplerTests {
    private static func rms(_ a: [Float], _ b: [Double]) -> Double {
        (zip(a, b).reduce(0) { $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1) } / Double(b.count)).squareRoot()
    }

    private static func maxAbs(_ a: [Float], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
    }

    /// Lead II of E07500, read by this package, resampled to 250, 257 and 1000 Hz matches
    /// `scipy.signal.resample_poly` to 1e-3 mV RMS with exactly scipy's lengths. The reference is rounded to
    /// 1e-6 mV, so the largest difference must also stay within a few 1e-7 of that rounding.
    @Test(arguments: [250, 257, 1000])
    func matchesScipyResamplePolyOnLeadII(_ targetRate: Int) throws {
        let reference = try ResampleReference.load()
        let expected = try #require(reference.cases.first { $0.targetRate == targetRate }).poly
        let record = try ECGRecord.load(headerAt: RecordsTestSupport.wfdb("E07500.hea"))
        let resampled = try record.resampled(to: Double(targetRate))
        #expect(resampled.samplingFrequency == Double(targetRate))
        #expect(resampled.signals.count == 12)
        let lead2 = resampled.signals[1]
        #expect(lead2.count == expected.data.count)
        #expect(Self.rms(lead2, expected.data) < 1e-3)
        #expect(Self.maxAbs(lead2, expected.data) < 1e-6)
        #expect(resampled.signals.allSatisfy { $0.count == expected.data.count })
    }

    /// Output lengths, and lengths after resampling back, equal scipy's for many input lengths and ratios.
    @Test func outputLengthsFollowScipy() throws {
        for item in try ScipyResampleReference.load().lengths {
            let there = try PolyphaseResampler(up: item.up, down: item.down)
            let back = try PolyphaseResampler(up: item.down, down: item.up)
            let output = there.resample([Float](repeating: 1, count: item.n))
            #expect(there.outputLength(forInputLength: item.n) == item.output, "\(item)")
            #expect(output.count == item.output, "\(item)")
            #expect(back.resample(output).count == item.roundTrip, "\(item)")
        }
    }

    /// Upsampling 257 → 500 Hz and an odd 3/7 ratio match scipy's full-precision output.
    @Test func matchesScipyOnOtherRatios() throws {
        let signal = try ResampleReference.load().signal.map(Float.init)
        for item in try ScipyResampleReference.load().values {
            let output = try PolyphaseResampler(up: item.up, down: item.down).resample(Array(signal.prefix(item.n)))
            #expect(output.count == item.data.count)
            #expect(Self.maxAbs(output, item.data) < 1e-6, "\(item.up)/\(item.down)")
        }
    }

    @Test func reducesRatesToTheSmallestFactors() throws {
        let halving = try PolyphaseResampler(from: 500, to: 250)
        #expect(halving.up == 1 && halving.down == 2)
        let incart = try PolyphaseResampler(from: 500, to: 257)
        #expect(incart.up == 257 && incart.down == 500)
        let fractional = try PolyphaseResampler(from: 360.5, to: 500)
        #expect(fractional.up == 1000 && fractional.down == 721)
    }

    @Test func equalRatesLeaveTheSignalUnchanged() throws {
        let signal: [Float] = [0.1, -0.2, 0.3, 0.25, -1]
        #expect(try PolyphaseResampler(from: 500, to: 500).resample(signal) == signal)
        let record = try ECGRecord.load(headerAt: RecordsTestSupport.wfdb("E07501.hea"))
        #expect(try record.resampled(to: 500).signals == record.signals)
    }

    @Test func rejectsInvalidRatesAndRatios() {
        #expect(throws: ResamplingError.invalidRate(0)) { try PolyphaseResampler(from: 0, to: 500) }
        #expect(throws: ResamplingError.invalidRate(-.infinity)) { try PolyphaseResampler(from: 500, to: -.infinity) }
        #expect(throws: ResamplingError.invalidFactors(up: 0, down: 3)) { try PolyphaseResampler(up: 0, down: 3) }
        #expect(throws: ResamplingError.unsupportedRatio(from: 500, to: 499.999)) {
            try PolyphaseResampler(from: 500, to: 499.999)
        }
        #expect(throws: ResamplingError.unsupportedRatio(from: 500, to: 1.0 / 3)) {
            try PolyphaseResampler(from: 500, to: 1.0 / 3)
        }
    }
}
