import Foundation

/// A TensorBoard event file (`events.out.tfevents.<time>.<host>.dist-train`) that rank 0 of `train
/// --tensorboard DIR` appends to: per step the training loss, learning rate, samples/s and all-reduce share
/// (`train/…`), per validation every number of its history entry (`validation/…`, per class as
/// `validation/per_class/<code>/<metric>`), and the run's hyper-parameters for the HParams plugin, whose table
/// shows them beside the last value of each validation metric.
///
/// Written by hand from the public definitions: TFRecord framing (little-endian uint64 length, masked CRC-32C of
/// those 8 bytes, the payload, masked CRC-32C of the payload), `tensorflow.Event` / `Summary` and
/// `tensorboard.hparams.HParamsPluginData` / `Experiment` / `SessionStartInfo` / `SessionEndInfo` as protobuf
/// (`ProtobufMessage`). Each event is flushed as it is written, so TensorBoard follows a running job.
public final class TensorBoardLog {
    public let url: URL
    private let handle: FileHandle
    private var metricTags: [String] = []

    /// Creates `directory` if needed and a new event file in it, starting with the `brain.Event:2` version event.
    public init(directory: URL) throws(TrainingRunError) {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        url = directory.appendingPathComponent("events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(host).dist-train")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
            }
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw .unwritableLogDirectory(path: directory.path, reason: "--tensorboard: cannot create an event file there: "
                                          + "\((error as NSError).localizedDescription)")
        }
        do {
            try write(step: 0) { $0.string(3, "brain.Event:2") }
        } catch {
            throw .unwritableLogDirectory(path: directory.path, reason: "--tensorboard: cannot write \(url.lastPathComponent): \(error)")
        }
    }

    deinit { try? handle.close() }

    /// Scalars of one step (`Summary.Value{tag, simple_value}`), in one event.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int) throws {
        let finite = values.filter { $0.value.isFinite }
        guard !finite.isEmpty else { return }
        try write(step: step) { event in
            event.message(5) { summary in
                for (tag, value) in finite {
                    summary.message(1) { $0.string(1, tag); $0.float(2, Float(value)) }
                }
            }
        }
    }

    /// The training step's scalars: loss, learning rate, samples/s and the share of the step spent waiting for
    /// all-reduces (`MetricsLog` writes the same numbers to `rank-0.jsonl`).
    public func step(_ report: StepReport, learningRate: Double) throws {
        let seconds = report.computeSeconds + report.allReduceWaitSeconds
        try scalars([("train/loss", report.loss), ("train/learning_rate", learningRate),
                 ("train/samples_per_s", seconds > 0 ? Double(report.globalSamples) / seconds : 0),
                 ("train/allreduce_share", seconds > 0 ? report.allReduceWaitSeconds / seconds : 0)], step: report.step)
    }

    /// Every finite number of a validation's history entry (as `history.json` has it) at its step.
    public func validation(_ entry: TrainingHistoryEntry) throws {
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(entry))
        var values: [(tag: String, value: Double)] = []
        func flatten(_ value: Any, _ path: String) {
            if let object = value as? [String: Any] {
                for key in object.keys.sorted() where path != "validation" || !["epoch", "global_step"].contains(key) {
                    flatten(object[key]!, "\(path)/\(key)")
                }
            } else if let number = value as? NSNumber {
                values.append((path, number.doubleValue))
            }
        }
        flatten(json, "validation")
        for (tag, _) in values where !metricTags.contains(tag) { metricTags.append(tag) }
        try scalars(values, step: entry.globalStep)
    }

    /// The HParams plugin's experiment (every hyper-parameter and the validation metrics logged so far) and the
    /// session's start (with the hyper-parameters' values) and end. Written at the end of a run, when the metric
    /// tags are known; TensorBoard reads them wherever they are in the file.
    public func hyperParameters(_ values: [(name: String, value: HyperParameter)], completed: Bool, startTime: Date) throws {
        let pluginData = { (field: Int, body: (inout ProtobufMessage) -> Void) -> ProtobufMessage in
            ProtobufMessage { $0.integer(1, 0); $0.message(field, body) }  // HParamsPluginData{version 0, ...}
        }
        let experiment = pluginData(2) { experiment in
            experiment.double(3, startTime.timeIntervalSince1970)
            for (name, value) in values {
                experiment.message(4) { $0.string(1, name); $0.integer(4, value.dataType) }  // HParamInfo{name, type}
            }
            for tag in metricTags {
                experiment.message(5) { $0.message(1) { $0.string(1, ""); $0.string(2, tag) } }  // MetricInfo{MetricName}
            }
        }
        let start = pluginData(3) { session in
            for (name, value) in values {
                session.message(1) { $0.string(1, name); $0.message(2, value.protobufValue) }  // map<string, Value>
            }
            session.double(5, startTime.timeIntervalSince1970)
        }
        let end = pluginData(4) { $0.integer(1, completed ? 1 : 0); $0.double(2, Date().timeIntervalSince1970) }
        for (tag, content) in [("_hparams_/experiment", experiment), ("_hparams_/session_start_info", start),
                               ("_hparams_/session_end_info", end)] {
            try write(step: 0) { event in
                event.message(5) { summary in
                    summary.message(1) { value in
                        value.string(1, tag)
                        // SummaryMetadata{plugin_data{plugin_name "hparams", content}}
                        value.message(9) { $0.message(1) { $0.string(1, "hparams"); $0.bytes(2, content.bytes) } }
                        // A placeholder tensor (float, scalar shape, 0), as TensorBoard's own hparams summaries carry.
                        value.message(8) { $0.integer(1, 1); $0.message(2) { _ in }; $0.bytes(5, Data(count: 4)) }
                    }
                }
            }
        }
    }

    /// A hyper-parameter's value: `google.protobuf.Value` as a number, string or bool.
    public enum HyperParameter: Sendable, Equatable {
        case number(Double)
        case string(String)
        case bool(Bool)

        /// `HParamInfo.type`: DATA_TYPE_FLOAT64 3, DATA_TYPE_STRING 1, DATA_TYPE_BOOL 2.
        var dataType: Int64 {
            switch self {
            case .number: 3
            case .string: 1
            case .bool: 2
            }
        }

        var protobufValue: ProtobufMessage {
            ProtobufMessage { value in
                switch self {
                case let .number(number): value.double(2, number)
                case let .string(text): value.string(3, text)
                case let .bool(flag): value.integer(4, flag ? 1 : 0)
                }
            }
        }
    }

    /// One `Event{wall_time, step, ...}` framed as a TFRecord and written.
    private func write(step: Int, _ body: (inout ProtobufMessage) -> Void) throws {
        var event = ProtobufMessage()
        event.double(1, Date().timeIntervalSince1970)
        event.integer(2, Int64(step))
        body(&event)
        try handle.write(contentsOf: Self.record(event.bytes))
    }

    /// TFRecord framing of `payload`.
    static func record(_ payload: Data) -> Data {
        var length = Data()
        length.appendLittleEndian(UInt64(payload.count))
        var framed = length
        framed.appendLittleEndian(masked(CRC32.castagnoli.checksum(length)))
        framed.append(payload)
        framed.appendLittleEndian(masked(CRC32.castagnoli.checksum(payload)))
        return framed
    }

    /// TFRecord's masked CRC: rotated right by 15 bits plus 0xa282ead8.
    static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
