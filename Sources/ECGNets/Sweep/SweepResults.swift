import Foundation

/// A sweep's results: every trial ranked by its validation metric (best first; failed and unscored trials last) with
/// its values, steps and status, as `results.txt`, `results.csv` and `results.json`; `results.svg`, the metric against
/// the most important hyper-parameters; and `best`, a symbolic link to the best trial's checkpoint directory (so
/// `best/best.nc` is its best network).
public struct SweepResults {
    public let trials: [SweepTrial]
    public let space: SweepSpace

    /// The trials of `state`, ranked.
    public init(state: SweepState, space: SweepSpace) {
        self.space = space
        trials = state.trials.sorted { a, b in
            switch (a.metric.flatMap { $0.isFinite ? $0 : nil }, b.metric.flatMap { $0.isFinite ? $0 : nil }) {
            case let (x?, y?): x != y ? x > y : a.id < b.id
            case (_?, nil): true
            case (nil, _?): false
            case (nil, nil): a.id < b.id
            }
        }
    }

    /// The best finished trial with a metric.
    public var best: SweepTrial? { trials.first { $0.metric?.isFinite == true && $0.status != .running } }

    private var metricName: String { trials.lazy.compactMap(\.metricName).first ?? "metric" }

    /// Rows of text cells: header, then one per trial.
    private var rows: [[String]] {
        let names = space.parameters.map(\.name)
        let header = ["rank", "trial", metricName, "status", "steps"] + names + ["seconds", "digest", "message"]
        var rows = [header]
        for (index, trial) in trials.enumerated() {
            var row: [String] = [String(index + 1), String(trial.id), trial.metric.map { ValidationRound.format($0) } ?? "-"]
            row.append(trial.status.rawValue)
            row.append(trial.steps.map(String.init) ?? "-")
            row += names.map { trial.values[$0]?.description ?? "-" }
            row.append(trial.seconds.map { String(format: "%.1f", $0) } ?? "-")
            row.append(trial.digest ?? "-")
            row.append(trial.message ?? "")
            rows.append(row)
        }
        return rows
    }

    /// The ranked table as aligned text (the message column unpadded).
    public var table: String {
        let rows = self.rows
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    public var csv: String {
        rows.map { row in
            row.map { cell in
                cell.contains(",") || cell.contains("\"") || cell.contains("\n")
                    ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
            }.joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }

    public func json() throws -> Data {
        struct Document: Encodable {
            let metric: String
            let best: Int?
            let trials: [SweepTrial]
        }
        return try SweepState.encoder.encode(Document(metric: metricName, best: best?.id, trials: trials))
    }

    /// Each parameter's importance: the share of the metric's variance its values explain, over the scored trials
    /// (between-group variance of the per-value means for lists; the squared correlation, of the logarithm for
    /// log-ranges, for ranges). Most important first.
    public var importance: [(name: String, share: Double)] {
        let scored = trials.filter { $0.metric?.isFinite == true }
        let metrics = scored.map { $0.metric! }
        guard metrics.count >= 2 else { return space.parameters.map { ($0.name, 0) } }
        let mean = metrics.reduce(0, +) / Double(metrics.count)
        let total = metrics.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        return space.parameters.map { parameter -> (String, Double) in
            guard total > 0 else { return (parameter.name, 0) }
            switch parameter.domain {
            case .choice:
                var groups: [String: [Double]] = [:]
                for (trial, metric) in zip(scored, metrics) { groups[trial.values[parameter.name]?.description ?? "", default: []].append(metric) }
                var between = 0.0
                for values in groups.values {
                    let groupMean: Double = values.reduce(0, +) / Double(values.count)
                    between += Double(values.count) * (groupMean - mean) * (groupMean - mean)
                }
                return (parameter.name, between / total)
            case .uniform, .logUniform, .integer:
                let logarithmic = if case .logUniform = parameter.domain { true } else { false }
                let xs = scored.map { trial in (trial.values[parameter.name]?.numeric ?? .nan) }.map { logarithmic ? log($0) : $0 }
                let xMean = xs.reduce(0, +) / Double(xs.count)
                let covariance = zip(xs, metrics).map { ($0 - xMean) * ($1 - mean) }.reduce(0, +)
                let variance = xs.map { ($0 - xMean) * ($0 - xMean) }.reduce(0, +)
                let share = variance > 0 ? covariance * covariance / (variance * total) : 0
                return (parameter.name, share.isFinite ? share : 0)
            }
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    }

    /// The metric against the (up to) three most important parameters, one panel each: a dot per scored trial
    /// (hollow if stopped early), lists as evenly spaced categories, log-ranges on a log axis.
    public var svg: SVGDocument {
        let panels = Array(importance.prefix(3))
        let panelWidth = 300.0, height = 340.0
        var document = SVGDocument(width: 40 + panelWidth * Double(max(1, panels.count)), height: height)
        document.add("rect", [("x", .number(0)), ("y", .number(0)), ("width", .number(document.width)), ("height", .number(height)),
                              ("fill", .text("#ffffff"))])
        let scored = trials.filter { $0.metric?.isFinite == true }
        let yScale = PlotScale(values: scored.compactMap(\.metric), fallback: 0...1, range: (280, 60))
        for (index, entry) in panels.enumerated() {
            guard let parameter = space.parameters.first(where: { $0.name == entry.name }) else { continue }
            let frame = PlotFrame(left: 70 + panelWidth * Double(index), top: 60, width: panelWidth - 70, height: 220)
            frame.drawTitle("\(entry.name) (explains \(Int((entry.share * 100).rounded()))%)", in: &document)
            frame.drawYAxis(yScale, title: metricName, in: &document)
            var position: (SweepValue) -> Double
            switch parameter.domain {
            case let .choice(options):
                let step = frame.width / Double(options.count)
                position = { value in frame.left + step * (Double(options.firstIndex(of: value) ?? 0) + 0.5) }
                for (offset, option) in options.enumerated() {
                    document.add("text", [("x", .number(frame.left + step * (Double(offset) + 0.5))), ("y", .number(frame.bottom + 18)),
                                          ("text-anchor", .text("middle"))], text: option.description)
                }
            case let .uniform(range), let .logUniform(range):
                let logarithmic = if case .logUniform = parameter.domain { true } else { false }
                let transform: (Double) -> Double = logarithmic ? { log10($0) } : { $0 }
                let scale = PlotScale(values: [transform(range.lowerBound), transform(range.upperBound)], fallback: 0...1,
                                      range: (frame.left, frame.right))
                frame.drawXAxis(scale, title: logarithmic ? "log10 \(entry.name)" : entry.name, in: &document)
                position = { value in scale.position(transform(value.numeric ?? .nan)) }
            case let .integer(range):
                let scale = PlotScale(values: [Double(range.lowerBound), Double(range.upperBound)], fallback: 0...1,
                                      range: (frame.left, frame.right))
                frame.drawXAxis(scale, title: entry.name, in: &document)
                position = { value in scale.position(value.numeric ?? .nan) }
            }
            for trial in scored {
                guard let value = trial.values[entry.name], let metric = trial.metric else { continue }
                let early = trial.status == .stoppedEarly
                document.add("circle", [("cx", .number(position(value))), ("cy", .number(yScale.position(metric))), ("r", .number(5)),
                                        ("fill", .text(early ? "none" : "#1f77b4")), ("stroke", .text("#1f77b4")),
                                        ("class", .text(early ? "trial stopped-early" : "trial"))],
                             text: nil)
            }
        }
        document.add("text", [("x", .number(20)), ("y", .number(24)), ("font-size", .number(14))],
                     text: "Sweep: \(metricName) of \(scored.count) scored trial(s) (hollow: stopped early)")
        return document
    }

    /// Writes the three tables, the plot and the `best` link into `directory`.
    public func write(in directory: URL) throws {
        try ReportFileWriter.write(table + "\n", to: directory.appendingPathComponent("results.txt"))
        try ReportFileWriter.write(csv, to: directory.appendingPathComponent("results.csv"))
        try ReportFileWriter.write(String(decoding: try json(), as: UTF8.self) + "\n", to: directory.appendingPathComponent("results.json"))
        try svg.write(to: directory.appendingPathComponent("results.svg"))
        guard let best else { return }
        // Made beside the link and renamed over it, so `best` always names one trial's checkpoints.
        let link = directory.appendingPathComponent("best")
        let temporary = directory.appendingPathComponent(".best.\(getpid())")
        try? FileManager.default.removeItem(at: temporary)
        try FileManager.default.createSymbolicLink(atPath: temporary.path, withDestinationPath: "trials/\(best.name)/checkpoints")
        guard rename(temporary.path, link.path) == 0 else {
            throw SweepError.unwritableState(file: link.path, reason: String(cString: strerror(errno)))
        }
    }
}
