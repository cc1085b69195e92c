import ECGNets
import Foundation
import Testing

@Suite struct LeadStandardizationTests {
    private typealias Support = PreprocessingTestSupport

    /// Every lead of a real record gets mean 0 and population standard deviation 1 (measured in double here).
    @Test func realLeadsGetZeroMeanAndUnitDeviation() throws {
        var window = try Support.e07500Window()
        let original = window
        LeadStandardization.standardize(&window)
        for lead in 0..<12 {
            #expect(abs(Support.mean(window.lead(lead))) < 1e-6, "lead \(lead)")
            #expect(abs(Support.standardDeviation(window.lead(lead)) - 1) < 1e-5, "lead \(lead)")
            // The shape is kept: standardisation is affine with a positive slope.
            let before = Array(original.lead(lead)), after = Array(window.lead(lead))
            let slope = Double(after[1] - after[0]) / Double(before[1] - before[0])
            #expect(slope > 0 || before[1] == before[0])
        }
    }

    /// A constant lead (a disconnected electrode) becomes zeros, not NaN, and leaves the other leads alone.
    @Test func constantLeadBecomesZeros() throws {
        var record = try Support.e07500()
        record.signals[3] = [Float](repeating: 0.731, count: record.sampleCount)
        record.signals[4] = [Float](repeating: 0, count: record.sampleCount)
        let windowing = try ECGWindowing()
        var window = try windowing.window(windowing.firstPlacement(recordLength: 5000), of: record)
        LeadStandardization.standardize(&window)
        #expect(window.lead(3).allSatisfy { $0 == 0 })
        #expect(window.lead(4).allSatisfy { $0 == 0 })
        #expect(window.samples.allSatisfy { $0.isFinite })
        #expect(abs(Support.standardDeviation(window.lead(5)) - 1) < 1e-5)
    }

    /// In a padded window only the real samples are standardised (statistics over them alone); padding stays 0.
    @Test func paddedWindowStandardisesOnlyTheRealSamples() throws {
        let record = try Support.e07500()
        var short = record
        short.signals = record.signals.map { Array($0.prefix(1234)) }
        let windowing = try ECGWindowing()
        var window = try windowing.window(windowing.firstPlacement(recordLength: 1234), of: short)
        LeadStandardization.standardize(&window)
        for lead in 0..<12 {
            let samples = window.lead(lead)
            let real = samples.prefix(1234)
            #expect(abs(Support.mean(real)) < 1e-6)
            #expect(abs(Support.standardDeviation(real) - 1) < 1e-5)
            #expect(samples.dropFirst(1234).allSatisfy { $0 == 0 })
        }
    }

    /// The buffer form standardises a batch slot in place exactly as the value form does.
    @Test func bufferFormMatchesValueForm() throws {
        var window = try Support.e07500Window()
        var samples = window.samples
        try samples.withUnsafeMutableBufferPointer { buffer in
            try LeadStandardization.standardize(buffer, leadCount: 12, validLength: 5000)
        }
        LeadStandardization.standardize(&window)
        #expect(samples == window.samples)
        #expect(throws: ECGWindowingError.bufferShape(count: 60_000, leadCount: 12, length: 5000, validLength: 5001)) {
            try samples.withUnsafeMutableBufferPointer { buffer in
                try LeadStandardization.standardize(buffer, leadCount: 12, validLength: 5001)
            }
        }
    }
}
