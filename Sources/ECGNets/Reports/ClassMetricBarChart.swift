/// A per-class bar chart as SVG: for every scoring class of an evaluation report a pair of bars, AUROC and
/// F-measure on a 0–1 axis, labelled with the class abbreviation; an undefined value (a class without
/// positives) is marked `n/a` instead of a bar.
public enum ClassMetricBarChart {
    /// The SVG document of `report`'s per-class AUROC and F-measure.
    public static func svg(_ report: EvaluationReport, title: String = "Per-class AUROC and F-measure") -> SVGDocument {
        let rows = report.rows
        let groupWidth = 36.0
        let frame = PlotFrame(left: 80, top: 40, width: max(groupWidth * Double(rows.count), 200), height: 300)
        let width = frame.right + 40
        let height = frame.bottom + 120
        var document = SVGDocument(width: width, height: height)
        document.add("rect", [("x", .number(0)), ("y", .number(0)), ("width", .number(width)),
                              ("height", .number(height)), ("fill", .text("#ffffff"))])
        let yScale = PlotScale(values: [0, 1], fallback: 0...1, range: (frame.bottom, frame.top))
        frame.drawTitle(title, in: &document)
        frame.drawYAxis(yScale, title: "score", in: &document)
        document.add("line", [("x1", .number(frame.left)), ("y1", .number(frame.bottom)), ("x2", .number(frame.right)),
                              ("y2", .number(frame.bottom)), ("stroke", .text("#000000"))])
        let measures: [(name: String, cssClass: String, color: String, value: (EvaluationReportRow) -> Double)] = [
            ("AUROC", "auroc", "#1f77b4", { $0.auroc }),
            ("F-measure", "f-measure", "#ff7f0e", { $0.fMeasure }),
        ]
        let barWidth = (groupWidth - 8) / Double(measures.count)
        for (index, row) in rows.enumerated() {
            let groupLeft = frame.left + groupWidth * Double(index) + 4
            for (position, measure) in measures.enumerated() {
                let x = groupLeft + barWidth * Double(position)
                let value = measure.value(row)
                if value.isFinite {
                    let top = yScale.position(min(max(value, 0), 1))
                    document.add("rect", [("class", .text(measure.cssClass)), ("x", .number(x)), ("y", .number(top)),
                                          ("width", .number(barWidth - 1)), ("height", .number(frame.bottom - top)),
                                          ("fill", .text(measure.color))])
                } else {
                    document.add("text", [("class", .text("undefined")), ("x", .number(x + barWidth / 2)),
                                          ("y", .number(frame.bottom - 4)), ("font-size", .number(8)),
                                          ("text-anchor", .text("middle"))], text: "n/a")
                }
            }
            let labelX = groupLeft + (groupWidth - 8) / 2
            let labelY = frame.bottom + 12
            document.add("text", [("class", .text("class-label")), ("x", .number(labelX)), ("y", .number(labelY)),
                                  ("text-anchor", .text("end")),
                                  ("transform", .text("rotate(-45 \(SVGValue.format(labelX)) \(SVGValue.format(labelY)))"))],
                         text: row.abbreviation)
        }
        frame.drawLegend(measures.map { ($0.name, $0.color) }, in: &document)
        return document
    }
}
