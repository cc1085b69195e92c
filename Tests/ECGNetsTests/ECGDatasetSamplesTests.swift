import DistTensor
import ECGNets
import Foundation
import Testing

/// The sample source cuts crops keyed by (seed, epoch, record), the first window for evaluation, centres (by
/// default) or standardises each lead and gives the record's labels as targets. Window contents are checked
/// against the record read whole and normalised here in double precision.
@Suite struct ECGDatasetSamplesTests {
    /// A dataset of 6 simulated 10-s records (5000 samples at 500 Hz) in a temporary directory.
    private func withDataset(_ body: (ECGDataset) throws -> Void) throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("simulated.nc")
        _ = try ECGDatasetPreparation().prepare(.simulator(count: 6, seed: 11), to: url)
        try body(try ECGDataset(contentsOf: url))
    }

    /// Sample `index` of `epoch` as (window, target).
    private func fill(_ source: ECGDatasetSamples, _ index: Int, epoch: Int) throws -> (window: [Float], target: [Float]) {
        var window = [Float](repeating: .nan, count: source.leads * source.length)
        var target = [Float](repeating: .nan, count: source.classes)
        try window.withUnsafeMutableBufferPointer { signal in
            try target.withUnsafeMutableBufferPointer { target in
                try source.fill(index, epoch: epoch, signal: signal.baseAddress!, target: target.baseAddress!)
            }
        }
        return (window, target)
    }

    /// `length` samples of every lead of `record` from `offset`, each lead centred over its first `valid` samples
    /// (and divided by their population deviation when `standardised`), and zero after them.
    private func expectedWindow(_ record: [Float], recordLength: Int, offset: Int, valid: Int, length: Int,
                                standardised: Bool = false) -> [Float] {
        var window: [Float] = []
        for lead in 0..<12 {
            let samples = (0..<valid).map { Double(record[lead * recordLength + offset + $0]) }
            let mean = samples.reduce(0, +) / Double(valid)
            let deviation = standardised ? (samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(valid)).squareRoot() : 1
            window += samples.map { Float(($0 - mean) / deviation) } + [Float](repeating: 0, count: length - valid)
        }
        return window
    }

    @Test func trainingCropsDependOnSeedEpochAndRecordOnly() throws {
        try withDataset { dataset in
            let indices = [4, 1, 3]
            let first = try ECGDatasetSamples(dataset: dataset, recordIndices: indices, windowLength: 1000,
                                              mode: .training(seed: 9, augmenter: nil))
            let second = try ECGDatasetSamples(dataset: dataset, recordIndices: indices.reversed(), windowLength: 1000,
                                               mode: .training(seed: 9, augmenter: nil))
            for epoch in 0..<3 {
                for (position, record) in indices.enumerated() {
                    // The same record at another position of another source gets the same crop.
                    let a = try fill(first, position, epoch: epoch)
                    let b = try fill(second, indices.count - 1 - position, epoch: epoch)
                    #expect(a.window == b.window && a.target == b.target)
                    let placement = first.placement(of: position, epoch: epoch)
                    #expect(placement.validLength == 1000 && (0...4000).contains(placement.offset))
                    let expected = expectedWindow(try dataset.signal(of: record), recordLength: 5000,
                                                  offset: placement.offset, valid: 1000, length: 1000)
                    let worst = zip(a.window, expected).map { abs($0 - $1) }.max() ?? 1
                    #expect(worst <= 1e-4, "record \(record) epoch \(epoch): \(worst)")
                    #expect(a.target == dataset.records[record].labels.map(Float.init))
                }
            }
            let offsets = (0..<8).map { first.placement(of: 0, epoch: $0).offset }
            #expect(Set(offsets).count > 1, "the crop must change with the epoch: \(offsets)")
            let otherSeed = try ECGDatasetSamples(dataset: dataset, recordIndices: indices, windowLength: 1000,
                                                  mode: .training(seed: 10, augmenter: nil))
            #expect((0..<8).map { otherSeed.placement(of: 0, epoch: $0).offset } != offsets)
        }
    }

    @Test func evaluationTakesTheFirstWindowZeroPadded() throws {
        try withDataset { dataset in
            let validation = try ECGDatasetSamples(dataset: dataset, recordIndices: [2, 5], windowLength: 3000,
                                                   mode: .evaluation)
            let padded = try ECGDatasetSamples(dataset: dataset, recordIndices: [2], windowLength: 6000,
                                               mode: .evaluation)
            let standardised = try ECGDatasetSamples(dataset: dataset, recordIndices: [2, 5], windowLength: 3000,
                                                     mode: .evaluation, normalization: .perLead)
            for epoch in [0, 7] {
                let unitLeads = try fill(standardised, 1, epoch: epoch)
                let expectedUnitLeads = expectedWindow(try dataset.signal(of: 5), recordLength: 5000, offset: 0, valid: 3000,
                                                       length: 3000, standardised: true)
                #expect((zip(unitLeads.window, expectedUnitLeads).map { abs($0 - $1) }.max() ?? 1) <= 1e-4)
                let sample = try fill(validation, 1, epoch: epoch)
                let expected = expectedWindow(try dataset.signal(of: 5), recordLength: 5000, offset: 0, valid: 3000,
                                              length: 3000)
                #expect((zip(sample.window, expected).map { abs($0 - $1) }.max() ?? 1) <= 1e-4)
                let long = try fill(padded, 0, epoch: epoch)
                let expectedLong = expectedWindow(try dataset.signal(of: 2), recordLength: 5000, offset: 0,
                                                  valid: 5000, length: 6000)
                #expect((zip(long.window, expectedLong).map { abs($0 - $1) }.max() ?? 1) <= 1e-4)
                #expect(long.window[5000..<6000].allSatisfy { $0 == 0 } && long.window[11 * 6000 + 5999] == 0)
            }
        }
    }

    @Test func augmentationIsKeyedLikeTheCrop() throws {
        try withDataset { dataset in
            let policy = AugmentationPolicy(gaussianNoise: GaussianNoise(probability: 1, standardDeviation: 0.1))
            let augmenter = try ECGAugmenter(policy: policy, samplingFrequency: 500)
            let augmented = try ECGDatasetSamples(dataset: dataset, recordIndices: [0, 1], windowLength: 1000,
                                                  mode: .training(seed: 9, augmenter: augmenter))
            let again = try ECGDatasetSamples(dataset: dataset, recordIndices: [1, 0], windowLength: 1000,
                                              mode: .training(seed: 9, augmenter: augmenter))
            let plain = try ECGDatasetSamples(dataset: dataset, recordIndices: [0, 1], windowLength: 1000,
                                              mode: .training(seed: 9, augmenter: nil))
            let a = try fill(augmented, 0, epoch: 2), b = try fill(again, 1, epoch: 2), c = try fill(plain, 0, epoch: 2)
            #expect(a.window == b.window)
            #expect(a.window != c.window)
            #expect(throws: ECGDatasetError.self) {
                try ECGDatasetSamples(dataset: dataset, recordIndices: [0], mode: .training(
                    seed: 0, augmenter: try ECGAugmenter(policy: policy, samplingFrequency: 250)))
            }
        }
    }
}
