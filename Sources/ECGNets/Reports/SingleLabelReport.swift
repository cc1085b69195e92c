import Foundation

/// The report of a single-label evaluation: a text table (per-class precision, recall, F1 and support, then
/// accuracy, macro and weighted F1, the CinC 2017 score when it applies, and the confusion matrix), the same
/// as JSON, and the confusion matrix as an SVG heat map (rows the true class, columns the predicted one, each
/// cell shaded by the share of its row so rare classes show as clearly as common ones).
public struct SingleLabelReport: Sendable {
    public let title: String
    public let scores: SingleLabelScores

    public init(title: String, scores: SingleLabelScores) {
        self.title = title
        self.scores = scores
    }

    /// The plain-text report.
    public var text: String {
        let s = scores
        let width = max(5, s.classes.map(\.count).max() ?? 0)
        func pad(_ text: String, _ size: Int) -> String { String(repeating: " ", count: max(0, size - text.count)) + text }
        func number(_ value: Double) -> String { String(format: "%.4f", value) }
        var lines = [title, "", pad("class", width) + "  precision     recall         f1    support"]
        for (index, name) in s.classes.enumerated() {
            lines.append(pad(name, width) + pad(number(s.precision[index]), 11) + pad(number(s.recall[index]), 11)
                         + pad(number(s.f1[index]), 11) + pad("\(s.support[index])", 11))
        }
        lines.append("")
        lines.append("accuracy \(number(s.accuracy)), macro F1 \(number(s.macroF1)), weighted F1 \(number(s.weightedF1))"
                     + (s.cinc2017Score.map { ", CinC 2017 score (mean F1 of N, A, O) \(number($0))" } ?? "")
                     + " over \(s.support.reduce(0, +)) records")
        lines.append("")
        lines.append("confusion matrix (rows: true class, columns: predicted class)")
        let cell = max(width, String(s.confusion.max() ?? 0).count) + 2
        lines.append(pad("", width) + s.classes.map { pad($0, cell) }.joined())
        for (row, name) in s.classes.enumerated() {
            lines.append(pad(name, width) + s.classes.indices.map { pad("\(s.count(truth: row, prediction: $0))", cell) }.joined())
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The scores as pretty-printed JSON with sorted keys.
    public func json() throws(ReportError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                       nan: "nan")
        do {
            return try encoder.encode(scores)
        } catch {
            throw .unencodable(reason: "\(error)")
        }
    }

    /// The confusion matrix as a heat map: one square per (true, predicted) pair holding its count, shaded from
    /// white (none of the row) to dark blue (all of it).
    public var confusionMatrixSVG: SVGDocument {
        let classes = scores.classes
        let count = classes.count
        let cellSize = 48.0
        let frame = PlotFrame(left: 110, top: 50, width: cellSize * Double(count), height: cellSize * Double(count))
        let width = frame.right + 30
        let height = frame.bottom + 60
        var document = SVGDocument(width: width, height: height)
        document.add("rect", [("x", .number(0)), ("y", .number(0)), ("width", .number(width)),
                              ("height", .number(height)), ("fill", .text("#ffffff"))])
        frame.drawTitle(title, in: &document)
        for row in 0..<count {
            let rowTotal = scores.support[row]
            for column in 0..<count {
                let value = scores.count(truth: row, prediction: column)
                let share = rowTotal > 0 ? Double(value) / Double(rowTotal) : 0
                let x = frame.left + cellSize * Double(column), y = frame.top + cellSize * Double(row)
                document.add("rect", [("class", .text("cell")), ("x", .number(x)), ("y", .number(y)),
                                      ("width", .number(cellSize)), ("height", .number(cellSize)),
                                      ("fill", .text(Self.color(share))), ("stroke", .text("#ffffff"))])
                document.add("text", [("class", .text("count")), ("x", .number(x + cellSize / 2)),
                                      ("y", .number(y + cellSize / 2 + 4)), ("text-anchor", .text("middle")),
                                      ("fill", .text(share > 0.5 ? "#ffffff" : "#000000"))], text: "\(value)")
            }
            document.add("text", [("class", .text("true-class")), ("x", .number(frame.left - 8)),
                                  ("y", .number(frame.top + cellSize * (Double(row) + 0.5) + 4)),
                                  ("text-anchor", .text("end"))], text: classes[row])
        }
        for column in 0..<count {
            document.add("text", [("class", .text("predicted-class")), ("x", .number(frame.left + cellSize * (Double(column) + 0.5))),
                                  ("y", .number(frame.bottom + 18)), ("text-anchor", .text("middle"))], text: classes[column])
        }
        document.add("text", [("x", .number(frame.left + frame.width / 2)), ("y", .number(frame.bottom + 40)),
                              ("text-anchor", .text("middle"))], text: "predicted class")
        let middle = frame.top + frame.height / 2
        document.add("text", [("x", .number(24)), ("y", .number(middle)), ("text-anchor", .text("middle")),
                              ("transform", .text("rotate(-90 24 \(SVGValue.format(middle)))"))], text: "true class")
        return document
    }

    /// Writes `<stem>.txt`, `<stem>.json` and `<stem>-confusion.svg` into `directory`; returns the files.
    @discardableResult
    public func write(to directory: URL, stem: String) throws(ReportError) -> [URL] {
        let text = directory.appendingPathComponent(stem + ".txt")
        let json = directory.appendingPathComponent(stem + ".json")
        let svg = directory.appendingPathComponent(stem + "-confusion.svg")
        try ReportFileWriter.write(self.text, to: text)
        try ReportFileWriter.write(String(decoding: try self.json(), as: UTF8.self) + "\n", to: json)
        try confusionMatrixSVG.write(to: svg)
        return [text, json, svg]
    }

    /// White to dark blue (#08306b) by `share` in 0...1.
    public static func color(_ share: Double) -> String {
        let t = min(max(share, 0), 1)
        let (r, g, b) = (255 - t * (255 - 8), 255 - t * (255 - 48), 255 - t * (255 - 107))
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }
}
