/// Per-class and macro areas under the ROC and precision-recall curves, computed as `compute_auc` of the
/// official 2020 scorer (evaluate_12ECG_score.py) does: one operating point per distinct score, ties
/// entering together; AUROC by the trapezoidal rule over (TPR, TNR), AUPRC as the step sum of
/// ΔTPR × precision at the lower threshold. A class without positives (or, for AUROC, without negatives)
/// gets NaN and is left out of the macro average.
public struct AreaUnderCurves: Sendable {
    /// AUROC per scoring class.
    public let perClassAUROC: [Double]
    /// AUPRC per scoring class.
    public let perClassAUPRC: [Double]

    /// Computes both areas for every class of `records` from their probabilities.
    public init(_ records: ScoringRecords) {
        let classCount = records.classes.count
        let recordCount = records.count
        var auroc = [Double](repeating: .nan, count: classCount)
        var auprc = [Double](repeating: .nan, count: classCount)
        var column = [(score: Double, positive: Bool)]()
        column.reserveCapacity(recordCount)
        records.labels.withUnsafeBufferPointer { labels in
            records.scalarOutputs.withUnsafeBufferPointer { scores in
                for classIndex in 0..<classCount {
                    column.removeAll(keepingCapacity: true)
                    for record in 0..<recordCount {
                        let offset = record * classCount + classIndex
                        column.append((scores[offset], labels[offset]))
                    }
                    column.sort { $0.score > $1.score }
                    (auroc[classIndex], auprc[classIndex]) = column.withUnsafeBufferPointer(Self.areas)
                }
            }
        }
        perClassAUROC = auroc
        perClassAUPRC = auprc
    }

    /// Macro AUROC: the mean over classes with a defined AUROC.
    public var macroAUROC: Double { macroAverage(perClassAUROC) }

    /// Macro AUPRC: the mean over classes with a defined AUPRC.
    public var macroAUPRC: Double { macroAverage(perClassAUPRC) }

    /// Both areas for one class from its records sorted by decreasing score.
    private static func areas(_ sorted: UnsafeBufferPointer<(score: Double, positive: Bool)>) -> (Double, Double) {
        var positives = 0.0
        for entry in sorted where entry.positive {
            positives += 1
        }
        let negatives = Double(sorted.count) - positives
        // Start above the highest score: nothing is called positive.
        var truePositives = 0.0
        var falsePositives = 0.0
        var falseNegatives = positives
        var trueNegatives = negatives
        var tpr = ratioOrNaN(truePositives, truePositives + falseNegatives)
        var tnr = ratioOrNaN(trueNegatives, falsePositives + trueNegatives)
        var auroc = 0.0
        var auprc = 0.0
        var index = 0
        while index < sorted.count {
            // Lower the threshold to the next distinct score; every record at or above it turns positive.
            let threshold = sorted[index].score
            while index < sorted.count, sorted[index].score >= threshold {
                if sorted[index].positive {
                    truePositives += 1
                    falseNegatives -= 1
                } else {
                    falsePositives += 1
                    trueNegatives -= 1
                }
                index += 1
            }
            let nextTPR = ratioOrNaN(truePositives, truePositives + falseNegatives)
            let nextTNR = ratioOrNaN(trueNegatives, falsePositives + trueNegatives)
            let precision = ratioOrNaN(truePositives, truePositives + falsePositives)
            auroc += 0.5 * (nextTPR - tpr) * (nextTNR + tnr)
            auprc += (nextTPR - tpr) * precision
            tpr = nextTPR
            tnr = nextTNR
        }
        return sorted.isEmpty ? (.nan, .nan) : (auroc, auprc)
    }
}
