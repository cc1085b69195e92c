import DistTensor
import ECGNets
import Foundation
import Testing

/// The stratified split spreads every class's positives over the parts in proportion and is a function of the
/// labels and the seed.
@Suite struct IterativeStratificationTests {
    /// 2,000 records over 27 classes with prevalences from 0.5 % to 12 % (about 1.7 labels per record, as sparse as
    /// the Challenge's data), drawn from a fixed stream (the input, not an expected result).
    private static let labelCount = 27
    private static let labels: [UInt8] = {
        var random = RandomStream(seed: 42)
        var labels = [UInt8](repeating: 0, count: 2000 * labelCount)
        for record in 0..<2000 {
            for label in 0..<labelCount {
                let prevalence = 0.005 + 0.115 * Double(label) / Double(labelCount - 1)
                if Double(random.next() >> 11) * 0x1p-53 < prevalence { labels[record * labelCount + label] = 1 }
            }
        }
        return labels
    }()

    /// The sum over classes and parts of |positives in the part - fraction x positives|.
    private func labelDeviation(_ parts: [Int], fractions: [Double]) -> Double {
        var total = 0.0
        for label in 0..<Self.labelCount {
            let positives = (0..<2000).filter { Self.labels[$0 * Self.labelCount + label] != 0 }
            for (part, fraction) in fractions.enumerated() {
                total += abs(Double(positives.filter { parts[$0] == part }.count) - fraction * Double(positives.count))
            }
        }
        return total
    }

    @Test func everyClassIsSpreadInProportion() {
        let fractions = [0.8, 0.1, 0.1]
        let parts = IterativeStratification.assign(labels: Self.labels, labelCount: Self.labelCount,
                                                   fractions: fractions, seed: 3)
        #expect(parts.count == 2000)
        for (part, fraction) in fractions.enumerated() {
            let size = parts.filter { $0 == part }.count
            #expect(abs(Double(size) - fraction * 2000) <= 2, "part \(part) has \(size) records")
        }
        // The rarest class is handed out first, to the parts that want most of it: each gets its share within one.
        let rarest = (0..<2000).filter { Self.labels[$0 * Self.labelCount] != 0 }
        #expect(rarest.count >= 5)
        for (part, fraction) in fractions.enumerated() {
            let count = rarest.filter { parts[$0] == part }.count
            #expect(abs(Double(count) - fraction * Double(rarest.count)) <= 1, "part \(part): \(count) of \(rarest.count)")
        }
        // Over all classes, much closer to the fractions than a random split of the same sizes (Sechidis et al.'s
        // "label distribution" comparison): at most half the deviation.
        var order = Array(0..<2000)
        var random = RandomStream(seed: 3)
        for position in stride(from: 1999, to: 0, by: -1) { order.swapAt(position, Int(random.next() % UInt64(position + 1))) }
        var randomParts = [Int](repeating: 0, count: 2000)
        for (rank, record) in order.enumerated() { randomParts[record] = rank < 1600 ? 0 : rank < 1800 ? 1 : 2 }
        let stratified = labelDeviation(parts, fractions: fractions)
        let baseline = labelDeviation(randomParts, fractions: fractions)
        #expect(stratified <= 0.5 * baseline, "stratified \(stratified) vs random \(baseline)")
    }

    @Test func theSeedDeterminesTheSplit() {
        let fractions = [0.8, 0.1, 0.1]
        let first = IterativeStratification.assign(labels: Self.labels, labelCount: Self.labelCount,
                                                   fractions: fractions, seed: 3)
        let again = IterativeStratification.assign(labels: Self.labels, labelCount: Self.labelCount,
                                                   fractions: fractions, seed: 3)
        let other = IterativeStratification.assign(labels: Self.labels, labelCount: Self.labelCount,
                                                   fractions: fractions, seed: 4)
        #expect(first == again)
        #expect(first != other)
    }

    @Test func preparedDatasetsCarryAReproducibleSplit() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var splits: [[DatasetSplit]] = []
        for (name, seed) in [("a", UInt64(5)), ("b", 5), ("c", 6)] {
            let url = directory.appendingPathComponent("\(name).nc")
            let options = ECGDatasetPreparationOptions(splitSeed: seed)
            let summary = try ECGDatasetPreparation(options: options).prepare(.simulator(count: 60, seed: 2), to: url)
            for split in DatasetSplit.allCases {
                let count = summary.recordsPerSplit[split] ?? 0
                #expect(abs(Double(count) - 60 * options.splitFractions.fraction(of: split)) <= 2, "\(split): \(count)")
            }
            splits.append(try ECGDataset(contentsOf: url).records.map(\.split))
        }
        #expect(splits[0] == splits[1])
        #expect(splits[0] != splits[2])
    }

    @Test func badFractionsAreRefused() {
        #expect(throws: ECGDatasetPreparationError.self) {
            try DatasetSplitFractions(train: 0.8, validation: 0.3, test: 0.1)
        }
        #expect(throws: ECGDatasetPreparationError.self) {
            try DatasetSplitFractions(train: 0, validation: 0.5, test: 0.5)
        }
    }
}
