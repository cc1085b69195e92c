import Foundation

extension EvaluationReport {
    /// The per-class table as CSV (RFC 4180 quoting), one row per class then a `macro` row with the macro
    /// AUROC, AUPRC and F-measure; numbers at full precision, an undefined value (NaN) as an empty field,
    /// a class's thresholds joined by `|`.
    public func csv() -> String {
        var lines = ["code,abbreviation,name,positives,predicted_positives,auroc,auprc,f_measure,threshold"]
        for row in rows {
            lines.append([row.code, row.abbreviation, row.name, String(row.positives),
                          String(row.predictedPositives), Self.csvNumber(row.auroc), Self.csvNumber(row.auprc),
                          Self.csvNumber(row.fMeasure),
                          row.thresholds.map { "\($0)" }.joined(separator: "|")].map(Self.csvField)
                .joined(separator: ","))
        }
        lines.append(["macro", "", "", String(rows.reduce(0) { $0 + $1.positives }), "",
                      Self.csvNumber(scores.auroc), Self.csvNumber(scores.auprc), Self.csvNumber(scores.fMeasure), ""]
            .map(Self.csvField).joined(separator: ","))
        return lines.joined(separator: "\n") + "\n"
    }

    /// A number in its shortest exact form, empty for NaN.
    static func csvNumber(_ value: Double) -> String {
        value.isNaN ? "" : "\(value)"
    }

    /// A field quoted if it holds a comma, quote or line break, quotes doubled.
    static func csvField(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
