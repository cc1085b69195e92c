/// Learning curves of a training run as SVG: the mean training loss per epoch in an upper panel, the
/// validation Challenge metric (where there is one) and macro AUROC (and the tuned Challenge metric where recorded) in a lower
/// one, with axes, ticks, labels and legends. A series is drawn as one polyline per run of defined values
/// (NaN breaks the line) with a dot at every point.
public enum LearningCurvePlot {
    /// One drawn series: its legend name, colour, CSS class and value per entry.
    private struct Series {
        let name: String
        let color: String
        let cssClass: String
        let values: [Double]
    }

    /// The SVG document of `history`'s learning curves, points placed at their entries' epochs.
    public static func svg(_ history: TrainingHistory, title: String = "Learning curves") -> SVGDocument {
        let entries = history.entries
        let epochs = entries.map { Double($0.epoch) }
        var document = SVGDocument(width: 760, height: 600)
        document.add("rect", [("x", .number(0)), ("y", .number(0)), ("width", .number(760)), ("height", .number(600)),
                              ("fill", .text("#ffffff"))])
        let lossFrame = PlotFrame(left: 80, top: 40, width: 640, height: 200)
        let metricFrame = PlotFrame(left: 80, top: 320, width: 640, height: 200)
        let xScale = PlotScale(values: epochs, fallback: 0...1, range: (lossFrame.left, lossFrame.right))

        let loss = Series(name: "training loss", color: "#1f77b4", cssClass: "training-loss",
                          values: entries.map(\.meanTrainingLoss))
        var metrics = [Series(name: "macro AUROC", color: "#2ca02c", cssClass: "macro-auroc", values: entries.map(\.auroc))]
        // A class list without Challenge weights has no Challenge metric: no empty series for it.
        if entries.contains(where: { !$0.challengeMetric.isNaN }) {
            metrics.insert(Series(name: "Challenge metric", color: "#d62728", cssClass: "challenge-metric",
                                  values: entries.map(\.challengeMetric)), at: 0)
        }
        if entries.contains(where: { $0.singleLabel != nil }) {
            metrics = [Series(name: "macro F1", color: "#2ca02c", cssClass: "macro-f1",
                              values: entries.map { $0.singleLabel?.macroF1 ?? .nan }),
                       Series(name: "accuracy", color: "#ff7f0e", cssClass: "accuracy", values: entries.map(\.accuracy))]
            if entries.contains(where: { $0.singleLabel?.cinc2017Score != nil }) {
                metrics.append(Series(name: "CinC 2017 score", color: "#d62728", cssClass: "cinc2017-score",
                                      values: entries.map { $0.singleLabel?.cinc2017Score ?? .nan }))
            }
        }
        if entries.contains(where: { $0.tunedChallengeMetric != nil }) {
            metrics.append(Series(name: "tuned Challenge metric", color: "#9467bd", cssClass: "tuned-challenge-metric",
                                  values: entries.map { $0.tunedChallengeMetric ?? .nan }))
        }
        draw(panel: [loss], title: title + ": training", yTitle: "loss", frame: lossFrame, xScale: xScale,
             epochs: epochs, fallback: 0...1, in: &document)
        draw(panel: metrics, title: title + ": validation", yTitle: "score", frame: metricFrame, xScale: xScale,
             epochs: epochs, fallback: 0...1, in: &document)
        return document
    }

    /// Draws one panel: axes, every series, legend.
    private static func draw(panel: [Series], title: String, yTitle: String, frame: PlotFrame, xScale: PlotScale,
                             epochs: [Double], fallback: ClosedRange<Double>, in document: inout SVGDocument) {
        let yScale = PlotScale(values: panel.flatMap(\.values), fallback: fallback, range: (frame.bottom, frame.top))
        frame.drawTitle(title, in: &document)
        frame.drawYAxis(yScale, title: yTitle, in: &document)
        frame.drawXAxis(xScale, title: "epoch", in: &document)
        for series in panel {
            var segment: [(x: Double, y: Double)] = []
            let style: [(String, SVGValue)] = [("class", .text(series.cssClass)), ("fill", .text("none")),
                                               ("stroke", .text(series.color)), ("stroke-width", .number(2))]
            for (epoch, value) in zip(epochs, series.values) {
                guard value.isFinite else {
                    document.addPolyline(segment, attributes: style)
                    segment.removeAll()
                    continue
                }
                let point = (x: xScale.position(epoch), y: yScale.position(value))
                segment.append(point)
                document.add("circle", [("class", .text(series.cssClass)), ("cx", .number(point.x)),
                                        ("cy", .number(point.y)), ("r", .number(3)), ("fill", .text(series.color))])
            }
            document.addPolyline(segment, attributes: style)
        }
        frame.drawLegend(panel.map { ($0.name, $0.color) }, in: &document)
    }
}
