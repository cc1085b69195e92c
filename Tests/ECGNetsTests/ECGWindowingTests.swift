import DistTensor
import ECGNets
import Foundation
import Testing

@Suite struct ECGWindowingTests {
    private typealias Support = PreprocessingTestSupport

    @Test func defaultIsTenSecondsAt500Hz() throws {
        #expect(try ECGWindowing().length == 5000)
        #expect(try ECGWindowing(seconds: 10, samplingFrequency: 500).length == 5000)
        #expect(try ECGWindowing(seconds: 2.5, samplingFrequency: 257).length == 643)  // 642.5 rounds up
    }

    /// A long record's training crop starts anywhere in 0...n-L, uniformly, and copies exactly those samples.
    @Test func randomCropIsUniformAndCopiesTheCroppedSamples() throws {
        let windowing = try ECGWindowing()
        let record = Support.indexRecord(samples: 7000)
        var offsets: [Int] = []
        for index in 0..<2000 {
            var random = TrainingSampleKey(seed: 3, rank: 0, epoch: 0, recordIndex: index)
                .randomStream(for: .windowCrop)
            let placement = windowing.randomPlacement(recordLength: 7000, using: &random)
            #expect(placement.validLength == 5000)
            offsets.append(placement.offset)
        }
        #expect(offsets.allSatisfy { (0...2000).contains($0) })
        #expect(try #require(offsets.min()) < 20)
        #expect(try #require(offsets.max()) > 1980)
        // Mean of 2000 uniform draws on 0...2000: 1000 with standard error 577 / sqrt(2000) = 12.9; 5 of them.
        let mean = Double(offsets.reduce(0, +)) / Double(offsets.count)
        #expect(abs(mean - 1000) < 65)

        let placement = ECGWindowPlacement(offset: offsets[0], validLength: 5000)
        let window = try windowing.window(placement, of: record)
        for lead in [0, 5, 11] {
            #expect(Array(window.lead(lead)) == (0..<5000).map { Float(lead * 100_000 + placement.offset + $0) })
        }
    }

    @Test func sameStreamGivesTheSameCrop() throws {
        let windowing = try ECGWindowing()
        let key = TrainingSampleKey(seed: 9, rank: 1, epoch: 4, recordIndex: 77)
        var first = key.randomStream(for: .windowCrop), second = key.randomStream(for: .windowCrop)
        #expect(windowing.randomPlacement(recordLength: 90_000, using: &first)
            == windowing.randomPlacement(recordLength: 90_000, using: &second))
    }

    /// A record shorter than the window is copied to the start and zero-padded at the end; the placement keeps
    /// how many samples are real. The random crop of a short or exact-length record is the first window.
    @Test func shortRecordIsZeroPaddedAtTheEnd() throws {
        let windowing = try ECGWindowing()
        let record = Support.indexRecord(samples: 3000)
        var random = RandomStream(seed: 1)
        #expect(windowing.randomPlacement(recordLength: 3000, using: &random)
            == ECGWindowPlacement(offset: 0, validLength: 3000))
        #expect(windowing.randomPlacement(recordLength: 5000, using: &random)
            == ECGWindowPlacement(offset: 0, validLength: 5000))
        let placement = windowing.firstPlacement(recordLength: 3000)
        #expect(placement == ECGWindowPlacement(offset: 0, validLength: 3000))
        let window = try windowing.window(placement, of: record)
        #expect(window.samples.count == 12 * 5000)
        for lead in 0..<12 {
            let samples = Array(window.lead(lead))
            #expect(Array(samples[..<3000]) == (0..<3000).map { Float(lead * 100_000 + $0) })
            #expect(samples[3000...].allSatisfy { $0 == 0 })
        }
        #expect(windowing.evaluationPlacements(recordLength: 3000) == [placement])
    }

    @Test func emptyRecordGivesOneAllZeroWindow() throws {
        let windowing = try ECGWindowing(length: 100)
        let record = Support.indexRecord(samples: 0)
        let placements = windowing.evaluationPlacements(recordLength: 0)
        #expect(placements == [ECGWindowPlacement(offset: 0, validLength: 0)])
        #expect(try windowing.window(placements[0], of: record).samples == [Float](repeating: 0, count: 1200))
    }

    /// Evaluation windows: ceil(n / L) of them, first at 0, last ending at the final sample, evenly spaced.
    /// Expected offsets worked by hand: 12345 samples → span 7345 over 2 gaps → 0, floor(3672.5), 7345.
    @Test func evaluationWindowsOfKnownLengths() throws {
        let windowing = try ECGWindowing()
        #expect(windowing.evaluationPlacements(recordLength: 5000).map(\.offset) == [0])
        #expect(windowing.evaluationPlacements(recordLength: 5001).map(\.offset) == [0, 1])
        #expect(windowing.evaluationPlacements(recordLength: 12345).map(\.offset) == [0, 3672, 7345])
        #expect(windowing.evaluationPlacements(recordLength: 15000).map(\.offset) == [0, 5000, 10000])
        #expect(windowing.evaluationPlacements(recordLength: 15000).allSatisfy { $0.validLength == 5000 })
    }

    /// For every record length up to 20 windows, the evaluation windows cover every sample, there are
    /// ceil(n / L) of them, each lies inside the record, and the last ends at the record's end.
    @Test(arguments: [1, 7, 5000])
    func evaluationWindowsCoverEverySample(windowLength: Int) throws {
        let windowing = try ECGWindowing(length: windowLength)
        let lengths = windowLength < 10 ? Array(1...20 * windowLength)
            : [windowLength + 1, 2 * windowLength - 1, 2 * windowLength, 37_519, 20 * windowLength - 3]
        for recordLength in lengths where recordLength >= windowLength {
            let placements = windowing.evaluationPlacements(recordLength: recordLength)
            #expect(placements.count == (recordLength + windowLength - 1) / windowLength, "n = \(recordLength)")
            #expect(placements.first?.offset == 0)
            #expect(placements.last.map { $0.offset + $0.validLength } == recordLength)
            var covered = [Bool](repeating: false, count: recordLength)
            for placement in placements {
                #expect(placement.validLength == windowLength)
                #expect(placement.offset >= 0 && placement.offset + windowLength <= recordLength)
                for sample in placement.offset..<(placement.offset + windowLength) { covered[sample] = true }
            }
            #expect(covered.allSatisfy { $0 }, "n = \(recordLength)")
        }
    }

    /// The windows of a long record, written one after another into a batch tensor [N, 12, L] through its
    /// buffer, hold exactly the record samples their placements name; the flat-record writer gives the same.
    @Test func fillsABatchTensorInPlace() throws {
        let windowing = try ECGWindowing(length: 1000)
        let record = Support.indexRecord(samples: 2500)
        let placements = windowing.evaluationPlacements(recordLength: 2500)
        let batch = Tensor(zeros: [placements.count, 12, 1000])
        let flatRecord = record.signals.flatMap { $0 }
        let fromFlat = Tensor(zeros: [placements.count, 12, 1000])
        for (slot, placement) in placements.enumerated() {
            try batch.withUnsafeMutableBufferPointer { buffer in
                try windowing.write(placement, of: record,
                                    into: UnsafeMutableBufferPointer(rebasing: buffer[slot * 12_000 ..< (slot + 1) * 12_000]))
            }
            try flatRecord.withUnsafeBufferPointer { source in
                try fromFlat.withUnsafeMutableBufferPointer { buffer in
                    try windowing.write(placement, ofRecord: source, leadCount: 12, recordName: record.id,
                                        into: UnsafeMutableBufferPointer(rebasing: buffer[slot * 12_000 ..< (slot + 1) * 12_000]))
                }
            }
        }
        let values = batch.array
        #expect(placements.map(\.offset) == [0, 750, 1500])
        for (slot, placement) in placements.enumerated() {
            for lead in [0, 11] {
                let start = (slot * 12 + lead) * 1000
                #expect(Array(values[start ..< start + 1000])
                    == (0..<1000).map { Float(lead * 100_000 + placement.offset + $0) })
            }
        }
        #expect(fromFlat.array == values)
    }

    /// Missing samples (NaN) are written as 0 mV, the padding value.
    @Test func missingSamplesBecomeZero() throws {
        var record = Support.indexRecord(samples: 10, leads: 2)
        record.signals[1][4] = .nan
        let window = try ECGWindowing(length: 10).window(ECGWindowPlacement(offset: 0, validLength: 10), of: record)
        #expect(window.lead(1)[14] == 0)
        #expect(window.samples.allSatisfy { !$0.isNaN })
    }

    @Test func rejectsBadShapesAndPlacements() throws {
        #expect(throws: ECGWindowingError.invalidLength(0)) { try ECGWindowing(length: 0) }
        #expect(throws: ECGWindowingError.invalidDuration(seconds: -1, samplingFrequency: 500)) {
            try ECGWindowing(seconds: -1, samplingFrequency: 500)
        }
        let windowing = try ECGWindowing(length: 100)
        let record = Support.indexRecord(samples: 150, leads: 2)
        let outside = ECGWindowPlacement(offset: 51, validLength: 100)
        #expect(throws: ECGWindowingError.placementOutOfRange(record: record.id, placement: outside,
                                                              recordLength: 150, windowLength: 100)) {
            try windowing.window(outside, of: record)
        }
        var uneven = record
        uneven.signals[1].removeLast()
        #expect(throws: ECGWindowingError.unequalLeadLengths(record: record.id, lengths: [150, 149])) {
            try windowing.window(ECGWindowPlacement(offset: 0, validLength: 100), of: uneven)
        }
        var small = [Float](repeating: 0, count: 199)
        #expect(throws: ECGWindowingError.bufferShape(count: 199, leadCount: 2, length: 100, validLength: 100)) {
            try small.withUnsafeMutableBufferPointer { buffer in
                try windowing.write(ECGWindowPlacement(offset: 0, validLength: 100), of: record, into: buffer)
            }
        }
        let flat = [Float](repeating: 0, count: 301)
        #expect(throws: ECGWindowingError.recordShape(record: "flat", count: 301, leadCount: 2)) {
            var window = [Float](repeating: 0, count: 200)
            try flat.withUnsafeBufferPointer { source in
                try window.withUnsafeMutableBufferPointer { buffer in
                    try windowing.write(ECGWindowPlacement(offset: 0, validLength: 100), ofRecord: source,
                                        leadCount: 2, recordName: "flat", into: buffer)
                }
            }
        }
        #expect(ECGWindowingError.recordShape(record: "flat", count: 301, leadCount: 2).description.contains("flat"))
    }

    @Test func codableRoundTripChecksTheLength() throws {
        let windowing = try ECGWindowing(length: 2500)
        let data = try JSONEncoder().encode(windowing)
        #expect(try JSONDecoder().decode(ECGWindowing.self, from: data) == windowing)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ECGWindowing.self, from: Data(#"{"length": -5}"#.utf8))
        }
    }
}
