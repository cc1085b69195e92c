import ECGNets
import Foundation
import Testing

/// `Fixtures/bandpass/scipy-reference.json`, written by `make_scipy_reference.py` beside it.
struct BandPassReference: Decodable {
    struct Case: Decodable, CustomStringConvertible {
        let order: Int
        let low: Double
        let high: Double
        let lead: String
        let samples: Int
        let padLength: Int
        let filtered: [Double]
        let frequencies: [Double]
        let responseReal: [Double]
        let responseImaginary: [Double]

        var description: String { "order \(order) \(low)-\(high) Hz, lead \(lead), \(samples) samples" }
    }

    let samplingFrequency: Double
    let cases: [Case]

    static func load() throws -> BandPassReference {
        let url = RecordsTestSupport.fixtures("bandpass").appendingPathComponent("scipy-reference.json")
        return try JSONDecoder().decode(BandPassReference.self, from: Data(contentsOf: url))
    }
}

@Suite struct ButterworthBandPassFilterTests {
    /// The cascade's response `prod (b0 + b1 w + b2 w^2) / (1 + a1 w + a2 w^2)` at `w = e^(-i 2 pi f / fs)`, as
    /// (real, imaginary).
    private static func response(of sections: [SecondOrderSection], at frequency: Double,
                                 samplingFrequency: Double) -> (Double, Double) {
        let angle = -2 * Double.pi * frequency / samplingFrequency
        let (c1, s1, c2, s2) = (cos(angle), sin(angle), cos(2 * angle), sin(2 * angle))
        var (real, imaginary) = (1.0, 0.0)
        for section in sections {
            let (nr, ni) = (section.b0 + section.b1 * c1 + section.b2 * c2, section.b1 * s1 + section.b2 * s2)
            let (dr, di) = (1 + section.a1 * c1 + section.a2 * c2, section.a1 * s1 + section.a2 * s2)
            let denominator = dr * dr + di * di
            let (qr, qi) = ((nr * dr + ni * di) / denominator, (ni * dr - nr * di) / denominator)
            (real, imaginary) = (real * qr - imaginary * qi, real * qi + imaginary * qr)
        }
        return (real, imaginary)
    }

    /// The designed cascade has scipy's transfer function: its complex frequency response equals
    /// `sosfreqz(butter(..., output='sos'))` to 1e-9 at DC, in the pass band, at the corners and near Nyquist,
    /// and its edge padding is scipy's `3 * ntaps`.
    @Test func designMatchesScipyButter() throws {
        let reference = try BandPassReference.load()
        for item in reference.cases {
            let filter = try ButterworthBandPassFilter(order: item.order, lowCutoff: item.low, highCutoff: item.high,
                                                       samplingFrequency: reference.samplingFrequency)
            #expect(filter.sections.count == item.order, "\(item)")
            #expect(filter.padLength == item.padLength, "\(item)")
            for (index, frequency) in item.frequencies.enumerated() {
                let (real, imaginary) = Self.response(of: filter.sections, at: frequency,
                                                      samplingFrequency: reference.samplingFrequency)
                #expect(abs(real - item.responseReal[index]) < 1e-9, "\(item) at \(frequency) Hz")
                #expect(abs(imaginary - item.responseImaginary[index]) < 1e-9, "\(item) at \(frequency) Hz")
            }
        }
    }

    /// Real leads of E07500 filtered forward-backward equal `scipy.signal.sosfiltfilt` with its default odd
    /// padding, edges included, to 1e-7 mV: the inputs are the same float32 values and both sides compute in
    /// double (in differently grouped sections, which costs ~1e-15), so what remains is rounding the output to
    /// float32, at most 6e-8 mV for |y| < 1.2 mV (measured: up to 5.7e-8 mV).
    @Test func filteredLeadsMatchScipySosfiltfilt() throws {
        let reference = try BandPassReference.load()
        let record = try PreprocessingTestSupport.e07500()
        for item in reference.cases {
            let filter = try ButterworthBandPassFilter(order: item.order, lowCutoff: item.low, highCutoff: item.high,
                                                       samplingFrequency: reference.samplingFrequency)
            let lead = try #require(record.leadNames.firstIndex(of: item.lead))
            let output = try filter.filtered(Array(record.signals[lead].prefix(item.samples)), name: item.lead)
            #expect(output.count == item.filtered.count)
            let largest = zip(output, item.filtered).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(largest < 1e-7, "\(item): largest difference \(largest) mV")
        }
    }

    /// `ECGRecord.bandPassFiltered` filters every lead (lead II equals the scipy case) and keeps the rest.
    @Test func filtersAWholeRecord() throws {
        let item = try #require(try BandPassReference.load().cases.first { $0.samples == 5000 })
        let record = try PreprocessingTestSupport.e07500()
        let filter = try ButterworthBandPassFilter.ecgDefault(samplingFrequency: 500)
        #expect(filter.order == item.order && filter.lowCutoff == item.low && filter.highCutoff == item.high)
        let filtered = try record.bandPassFiltered(by: filter)
        let largest = zip(filtered.signals[1], item.filtered).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(largest < 1e-7)
        #expect(filtered.signals[6] == (try filter.filtered(record.signals[6], name: "V1")))
        #expect(filtered.signals.count == 12 && filtered.leadNames == record.leadNames && filtered.id == record.id)
    }

    /// Away from the edges a 0.5-40 Hz band-pass removes a 3 mV offset and a 2 mV, 0.1 Hz drift and passes a
    /// 10 Hz tone: the forward-backward gain is |H|^2 with |H|^2 = 1 / (1 + W^8), W = (f^2 - f0^2) / (f B) in
    /// pre-warped terms (f0^2 = 0.5 * 40, B = 39.5), i.e. 2.3e-6 at 0.1 Hz and 1 - 2.8e-6 at 10 Hz, so the
    /// residual is about 2 * 2.3e-6 + 2.8e-6 = 7.4e-6 mV. The edges are measured 10 s in: scipy's short default
    /// padding (27 samples) leaves transients that decay over seconds at a 0.5 Hz corner (scipy's own output
    /// still differs from the tone by 0.01 mV 2 s from the ends of this signal).
    @Test func removesBaselineAndKeepsThePassBand() throws {
        let filter = try ButterworthBandPassFilter.ecgDefault(samplingFrequency: 500)
        let time = (0..<30_000).map { Double($0) / 500 }
        let tone = time.map { Float(sin(2 * Double.pi * 10 * $0)) }
        let drift = time.map { Float(3 + 2 * sin(2 * Double.pi * 0.1 * $0)) }
        let output = try filter.filtered(zip(tone, drift).map(+), name: "synthetic")
        let largest = (5000..<25_000).map { abs(output[$0] - tone[$0]) }.max() ?? .infinity
        #expect(largest < 1e-5)
    }

    @Test func rejectsBadDesignsAndShortSignals() throws {
        #expect(throws: BandPassFilterError.invalidOrder(0)) {
            try ButterworthBandPassFilter(order: 0, lowCutoff: 0.5, highCutoff: 40, samplingFrequency: 500)
        }
        #expect(throws: BandPassFilterError.invalidCorners(low: 40, high: 0.5, samplingFrequency: 500)) {
            try ButterworthBandPassFilter(order: 2, lowCutoff: 40, highCutoff: 0.5, samplingFrequency: 500)
        }
        #expect(throws: BandPassFilterError.invalidCorners(low: 0.5, high: 250, samplingFrequency: 500)) {
            try ButterworthBandPassFilter(order: 2, lowCutoff: 0.5, highCutoff: 250, samplingFrequency: 500)
        }
        let filter = try ButterworthBandPassFilter.ecgDefault(samplingFrequency: 500)
        #expect(filter.padLength == 27)
        #expect(throws: BandPassFilterError.signalTooShort(record: "short", samples: 27, padLength: 27)) {
            try filter.filtered([Float](repeating: 1, count: 27), name: "short")
        }
        #expect(try filter.filtered([Float](repeating: 1, count: 28), name: "ok").count == 28)
        let record = try PreprocessingTestSupport.e07500()
        let other = try ButterworthBandPassFilter.ecgDefault(samplingFrequency: 250)
        #expect(throws: BandPassFilterError.samplingFrequencyMismatch(record: "E07500", recordFrequency: 500,
                                                                       filterFrequency: 250)) {
            try record.bandPassFiltered(by: other)
        }
    }

    @Test func codableRoundTripRedesignsTheFilter() throws {
        let filter = try ButterworthBandPassFilter(order: 3, lowCutoff: 1, highCutoff: 30, samplingFrequency: 500)
        let decoded = try JSONDecoder().decode(ButterworthBandPassFilter.self, from: JSONEncoder().encode(filter))
        #expect(decoded == filter)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ButterworthBandPassFilter.self, from: Data(
                #"{"order": 2, "lowCutoff": 30, "highCutoff": 1, "samplingFrequency": 500, "sections": []}"#.utf8))
        }
    }
}
