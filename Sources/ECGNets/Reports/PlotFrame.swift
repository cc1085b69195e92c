/// The rectangle of one chart inside an SVG drawing, with the routines that draw its title, axes, ticks,
/// grid lines and legend, shared by the learning curves and the bar chart.
struct PlotFrame {
    let left: Double
    let top: Double
    let width: Double
    let height: Double

    var right: Double { left + width }
    var bottom: Double { top + height }

    /// Draws the title above the frame.
    func drawTitle(_ title: String, in document: inout SVGDocument) {
        document.add("text", [("x", .number(left + width / 2)), ("y", .number(top - 10)),
                              ("text-anchor", .text("middle")), ("font-size", .number(14)),
                              ("font-weight", .text("bold"))], text: title)
    }

    /// Draws the y axis of `scale` with ticks, labels, light grid lines and the axis title.
    func drawYAxis(_ scale: PlotScale, title: String, in document: inout SVGDocument) {
        for tick in scale.ticks {
            let y = scale.position(tick)
            document.add("line", [("x1", .number(left)), ("y1", .number(y)), ("x2", .number(right)), ("y2", .number(y)),
                                  ("stroke", .text("#e0e0e0")), ("stroke-width", .number(1))])
            document.add("line", [("x1", .number(left - 5)), ("y1", .number(y)), ("x2", .number(left)),
                                  ("y2", .number(y)), ("stroke", .text("#000000"))])
            document.add("text", [("x", .number(left - 8)), ("y", .number(y + 4)), ("text-anchor", .text("end"))],
                         text: scale.label(tick))
        }
        document.add("line", [("x1", .number(left)), ("y1", .number(top)), ("x2", .number(left)),
                              ("y2", .number(bottom)), ("stroke", .text("#000000"))])
        let middle = top + height / 2
        document.add("text", [("x", .number(left - 45)), ("y", .number(middle)), ("text-anchor", .text("middle")),
                              ("transform", .text("rotate(-90 \(SVGValue.format(left - 45)) \(SVGValue.format(middle)))"))],
                     text: title)
    }

    /// Draws the x axis of `scale` with ticks, labels and the axis title.
    func drawXAxis(_ scale: PlotScale, title: String, in document: inout SVGDocument) {
        document.add("line", [("x1", .number(left)), ("y1", .number(bottom)), ("x2", .number(right)),
                              ("y2", .number(bottom)), ("stroke", .text("#000000"))])
        for tick in scale.ticks {
            let x = scale.position(tick)
            document.add("line", [("x1", .number(x)), ("y1", .number(bottom)), ("x2", .number(x)),
                                  ("y2", .number(bottom + 5)), ("stroke", .text("#000000"))])
            document.add("text", [("x", .number(x)), ("y", .number(bottom + 18)), ("text-anchor", .text("middle"))],
                         text: scale.label(tick))
        }
        document.add("text", [("x", .number(left + width / 2)), ("y", .number(bottom + 36)),
                              ("text-anchor", .text("middle"))], text: title)
    }

    /// Draws a legend of coloured swatches and names in the top-right corner of the frame.
    func drawLegend(_ entries: [(name: String, color: String)], in document: inout SVGDocument) {
        let entryHeight = 18.0
        let boxWidth = 8.0 * Double(entries.map(\.name.count).max() ?? 0) + 34
        let x = right - boxWidth - 6
        let y = top + 6
        document.add("rect", [("class", .text("legend")), ("x", .number(x)), ("y", .number(y)),
                              ("width", .number(boxWidth)), ("height", .number(entryHeight * Double(entries.count) + 8)),
                              ("fill", .text("#ffffff")), ("fill-opacity", .number(0.85)), ("stroke", .text("#999999"))])
        for (index, entry) in entries.enumerated() {
            let rowY = y + 4 + entryHeight * Double(index)
            document.add("rect", [("x", .number(x + 6)), ("y", .number(rowY + 3)), ("width", .number(16)),
                                  ("height", .number(10)), ("fill", .text(entry.color))])
            document.add("text", [("x", .number(x + 28)), ("y", .number(rowY + 13))], text: entry.name)
        }
    }
}
