/// The measures of the official 2020 scorer that count right and wrong binary decisions: accuracy (records
/// with every class right), per-class and macro F-measure, and the F-beta and G-beta measures of the
/// unofficial phase, in which each record counts `1 / max(number of its positive labels, 1)`.
/// A class whose measure has a zero denominator gets NaN and is left out of the macro average.
public struct ConfusionMeasures: Sendable {
    /// The beta of the F-beta and G-beta measures.
    public let beta: Double
    /// Fraction of records whose binary outputs equal their labels in every class.
    public let accuracy: Double
    /// F1 per class: 2·TP / (2·TP + FP + FN).
    public let perClassFMeasure: [Double]
    /// F-beta per class, from label-normalised counts: (1+β²)·TP / ((1+β²)·TP + FP + β²·FN).
    public let perClassFBeta: [Double]
    /// G-beta per class, from label-normalised counts: TP / (TP + FP + β·FN).
    public let perClassGBeta: [Double]

    /// Counts the decisions of `records` and derives every measure; the Challenge uses `beta` = 2.
    public init(_ records: ScoringRecords, beta: Double = 2) {
        let classCount = records.classes.count
        let recordCount = records.count
        var counts = [ClassCounts](repeating: ClassCounts(), count: classCount)
        var normalisedCounts = [ClassCounts](repeating: ClassCounts(), count: classCount)
        var correctRecords = 0
        records.labels.withUnsafeBufferPointer { labels in
            records.binaryOutputs.withUnsafeBufferPointer { outputs in
                counts.withUnsafeMutableBufferPointer { counts in
                    normalisedCounts.withUnsafeMutableBufferPointer { normalisedCounts in
                        for record in 0..<recordCount {
                            let row = record * classCount
                            var positiveLabels = 0
                            var allRight = true
                            for classIndex in 0..<classCount {
                                if labels[row + classIndex] { positiveLabels += 1 }
                                if labels[row + classIndex] != outputs[row + classIndex] { allRight = false }
                            }
                            if allRight { correctRecords += 1 }
                            let share = 1.0 / Double(max(positiveLabels, 1))
                            for classIndex in 0..<classCount {
                                let label = labels[row + classIndex]
                                let output = outputs[row + classIndex]
                                counts[classIndex].add(label: label, output: output, amount: 1)
                                normalisedCounts[classIndex].add(label: label, output: output, amount: share)
                            }
                        }
                    }
                }
            }
        }
        let betaSquared = beta * beta
        self.beta = beta
        accuracy = recordCount > 0 ? Double(correctRecords) / Double(recordCount) : .nan
        perClassFMeasure = counts.map {
            ratioOrNaN(2 * $0.truePositives, 2 * $0.truePositives + $0.falsePositives + $0.falseNegatives)
        }
        perClassFBeta = normalisedCounts.map {
            ratioOrNaN((1 + betaSquared) * $0.truePositives,
                  (1 + betaSquared) * $0.truePositives + $0.falsePositives + betaSquared * $0.falseNegatives)
        }
        perClassGBeta = normalisedCounts.map {
            ratioOrNaN($0.truePositives, $0.truePositives + $0.falsePositives + beta * $0.falseNegatives)
        }
    }

    /// Macro F-measure: the mean over classes with a defined F-measure.
    public var macroFMeasure: Double { macroAverage(perClassFMeasure) }

    /// Macro F-beta measure.
    public var macroFBeta: Double { macroAverage(perClassFBeta) }

    /// Macro G-beta measure.
    public var macroGBeta: Double { macroAverage(perClassGBeta) }
}

/// One class's counts of true positives, false positives and false negatives (fractional when records
/// are weighted); true negatives enter none of the measures.
private struct ClassCounts {
    var truePositives = 0.0
    var falsePositives = 0.0
    var falseNegatives = 0.0

    mutating func add(label: Bool, output: Bool, amount: Double) {
        switch (label, output) {
        case (true, true): truePositives += amount
        case (false, true): falsePositives += amount
        case (true, false): falseNegatives += amount
        case (false, false): break
        }
    }
}

/// The mean of the values that are not NaN, NaN if all are: numpy's `nanmean`, with which the official
/// scorer averages per-class metrics (a class without positives or without decisions has NaN there).
func macroAverage(_ values: [Double]) -> Double {
    var sum = 0.0
    var count = 0
    for value in values where !value.isNaN {
        sum += value
        count += 1
    }
    return count > 0 ? sum / Double(count) : .nan
}

/// `numerator / denominator`, NaN when the denominator is 0, as the official scorer defines its rates
/// and measures.
func ratioOrNaN(_ numerator: Double, _ denominator: Double) -> Double {
    denominator != 0 ? numerator / denominator : .nan
}
