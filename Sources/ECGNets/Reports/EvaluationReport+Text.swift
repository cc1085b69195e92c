import Foundation

extension EvaluationReport {
    /// The report as aligned text: a summary line of the macro numbers (the Challenge metric only with Challenge
    /// weights), then one row per class with its
    /// code, abbreviation, positives, predicted positives, AUROC, AUPRC, F-measure, threshold and name.
    public func text() -> String {
        var lines = ["Evaluation of \(recordCount) records over \(rows.count) scoring classes (\(weightsDescription))"]
        lines.append((weightsYear == nil ? "" : "Challenge metric \(Self.threeDecimals(scores.challengeMetric))  ")
                     + "AUROC \(Self.threeDecimals(scores.auroc))  AUPRC \(Self.threeDecimals(scores.auprc))  "
                     + "F-measure \(Self.threeDecimals(scores.fMeasure))  "
                     + "F-beta \(Self.threeDecimals(scores.fBetaMeasure))  "
                     + "G-beta \(Self.threeDecimals(scores.gBetaMeasure))  "
                     + "Accuracy \(Self.threeDecimals(scores.accuracy))")
        lines.append("")
        let header = ["Class", "Abbrev", "Positives", "Predicted", "AUROC", "AUPRC", "F-measure", "Threshold", "Name"]
        let table = rows.map { row in
            [row.code, row.abbreviation, String(row.positives), String(row.predictedPositives),
             Self.threeDecimals(row.auroc), Self.threeDecimals(row.auprc), Self.threeDecimals(row.fMeasure),
             Self.thresholdText(row.thresholds), row.name]
        }
        let widths = header.indices.map { column in
            ([header] + table).map { $0[column].count }.max() ?? 0
        }
        // Text columns (class, abbreviation, name) align left, numbers right.
        let leftAligned: Set<Int> = [0, 1, header.count - 1]
        for cells in [header] + table {
            let padded = cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return leftAligned.contains(column) ? cell + padding : padding + cell
            }
            lines.append(padded.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A number as the official scorer prints it (`{:.3f}`), `nan` for an undefined value.
    static func threeDecimals(_ value: Double) -> String {
        value.isNaN ? "nan" : String(format: "%.3f", value)
    }

    /// A class's thresholds: one number if its columns agree, all of them joined by `|` if not, `-` if unknown.
    static func thresholdText(_ thresholds: [Double]) -> String {
        if thresholds.isEmpty { return "-" }
        if Set(thresholds).count == 1 { return String(format: "%.4f", thresholds[0]) }
        return thresholds.map { String(format: "%.4f", $0) }.joined(separator: "|")
    }
}
