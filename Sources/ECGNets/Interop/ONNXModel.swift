import DistTensor
import Foundation

/// A model that can describe its inference graph (running BatchNorm statistics, no dropout) in ONNX operators.
/// Architectures opt in by implementing it (each in an extension at the end of its model file); `dist-train export
/// --format onnx` refuses the others by name.
public protocol ONNXGraphDescribing: ECGModel {
    /// Appends the nodes that turn `input` (`[N, leads, length]`, float; `length` is the exported window) into
    /// logits `[N, classes]` and returns the logits' value name.
    func describeInference(in graph: inout ONNXGraph, input: String, length: Int) -> String
}

/// An ONNX graph being built: nodes in topological order and the model's tensors as initializers under their
/// state_dict names (tensors rearranged for an operator get a derived name), plus constants. The operators, each
/// taking the layer objects a model computes with, are in `ONNXOperators.swift`.
public struct ONNXGraph {
    /// Opset of the default domain the nodes are written against, and the IR version of the file. Opset 17 has
    /// LayerNormalization; GELU is written with Erf (a Gelu operator arrived only in opset 20).
    public static let opset: Int64 = 17
    public static let irVersion: Int64 = 8

    let store: ParameterStore
    private(set) var nodes: [ProtobufMessage] = []
    private(set) var initializers: [ProtobufMessage] = []
    private var initialized: Set<String> = []
    private var constants: [String: String] = [:]
    private var counter = 0

    init(store: ParameterStore) {
        self.store = store
    }

    /// A fresh value name, `<op>_<n>`.
    private mutating func fresh(_ op: String) -> String {
        counter += 1
        return "\(op.lowercased())_\(counter)"
    }

    /// Appends a node and returns its (single) output.
    public mutating func node(_ op: String, _ inputs: [String], output: String? = nil,
                              attributes: [(String, Attribute)] = []) -> String {
        let output = output ?? fresh(op)
        let name = "\(op)_\(nodes.count)"
        nodes.append(ProtobufMessage { node in
            for input in inputs { node.string(1, input) }
            node.string(2, output)
            node.string(3, name)
            node.string(4, op)
            for (attributeName, attribute) in attributes { node.message(5, attribute.message(named: attributeName)) }
        })
        return output
    }

    /// A node attribute (`AttributeProto`).
    public enum Attribute {
        case int(Int)
        case ints([Int])
        case float(Float)

        func message(named name: String) -> ProtobufMessage {
            ProtobufMessage { attribute in
                attribute.string(1, name)
                switch self {
                case let .float(value): attribute.float(2, value); attribute.integer(20, 1)
                case let .int(value): attribute.integer(3, Int64(value)); attribute.integer(20, 2)
                case let .ints(values): attribute.packedIntegers(8, values.map(Int64.init)); attribute.integer(20, 7)
                }
            }
        }
    }

    /// The store's entry at `slot` (a parameter or a buffer).
    func entry(_ slot: ParameterSlot, kind: ParameterKind = .parameter) -> ParameterEntry {
        guard let entry = store.layout.entries.first(where: { $0.kind == kind && $0.offset == slot.offset && $0.count == slot.count })
        else { preconditionFailure("no \(kind) at offset \(slot.offset) in the model's parameter store") }
        return entry
    }

    /// The name of the store's tensor at `slot`, added as a float initializer once.
    public mutating func tensor(_ slot: ParameterSlot, kind: ParameterKind = .parameter) -> String {
        let entry = entry(slot, kind: kind)
        if initialized.insert(entry.name).inserted {
            initializers.append(Self.tensor(name: entry.name, shape: entry.shape, type: 1,
                                            raw: Self.littleEndian(store.storage(of: entry).map(\.bitPattern))))
        }
        return entry.name
    }

    /// A float initializer of values the model's tensors are rearranged into for an operator (e.g. a GRU's gates in
    /// ONNX order), under `name`.
    public mutating func tensor(named name: String, shape: [Int], values: [Float]) -> String {
        precondition(shape.reduce(1, *) == values.count && initialized.insert(name).inserted, "initializer \(name)")
        initializers.append(Self.tensor(name: name, shape: shape, type: 1, raw: Self.littleEndian(values.map(\.bitPattern))))
        return name
    }

    /// An int64 constant (shapes, axes, indices): a vector, or a scalar when `scalar`; each distinct one added once.
    public mutating func integers(_ values: [Int], scalar: Bool = false) -> String {
        let key = "i\(scalar ? "s" : "v")\(values)"
        if let name = constants[key] { return name }
        let name = fresh("const")
        constants[key] = name
        initializers.append(Self.tensor(name: name, shape: scalar ? [] : [values.count], type: 7,
                                        raw: Self.littleEndian(values.map(Int64.init))))
        return name
    }

    /// A float scalar constant, added once per value.
    public mutating func scalar(_ value: Float) -> String {
        let key = "f\(value.bitPattern)"
        if let name = constants[key] { return name }
        let name = fresh("const")
        constants[key] = name
        initializers.append(Self.tensor(name: name, shape: [], type: 1, raw: Self.littleEndian([value.bitPattern])))
        return name
    }

    /// `TensorProto{dims, data_type, name, raw_data}` (raw data is little-endian, as ONNX requires; type 1 is FLOAT,
    /// 7 INT64).
    static func tensor(name: String, shape: [Int], type: Int64, raw: Data) -> ProtobufMessage {
        ProtobufMessage { tensor in
            if !shape.isEmpty { tensor.packedIntegers(1, shape.map(Int64.init)) }
            tensor.integer(2, type)
            tensor.string(8, name)
            tensor.bytes(9, raw)
        }
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> Data {
        var raw = Data(capacity: values.count * MemoryLayout<T>.size)
        for value in values { raw.appendLittleEndian(value) }
        return raw
    }
}

/// The ONNX file of a checkpoint's network: input `ecg` `[batch, leads, window]` (batch dynamic), outputs `logits`
/// and `probabilities` (sigmoid per class for a multi-label task, softmax over classes for a single-label one), and
/// the preprocessing the input needs as `metadata_props`.
enum ONNXModelFile {
    /// The architectures that describe their graph, for the refusal message.
    static let exportable = ["resnet1d (resnet18, resnet34, resnet, se-resnet34)", "cnn1d", "cnn1d-twin", "gru-mha",
                             "lstm-mha", "cnn-mhsa"]

    static func data(model: any ECGModel, metadata: CheckpointMetadata) throws(ModelExportError) -> Data {
        guard let describing = model as? any ONNXGraphDescribing else {
            throw .unsupportedArchitecture(name: model.architecture.name + " (\(model.architecture.architecture))",
                                           format: "onnx", supported: exportable)
        }
        let task = metadata.task
        var graph = ONNXGraph(store: model.parameters)
        let logits = describing.describeInference(in: &graph, input: "ecg", length: metadata.windowLength)
        let singleLabel = task.labelKind == .singleLabel
        _ = graph.node(singleLabel ? "Softmax" : "Sigmoid", [logits], output: "probabilities",
                       attributes: singleLabel ? [("axis", .int(1))] : [])
        let leads = Int64(model.input.leads)
        let classes = Int64(model.classes)
        func valueInfo(_ name: String, _ dimensions: [Int64?], _ doc: String) -> ProtobufMessage {
            ProtobufMessage { info in
                info.string(1, name)
                info.message(2) { type in
                    type.message(1) { tensor in
                        tensor.integer(1, 1)
                        tensor.message(2) { shape in
                            for dimension in dimensions {
                                shape.message(1) { if let dimension { $0.integer(1, dimension) } else { $0.string(2, "batch") } }
                            }
                        }
                    }
                }
                info.string(3, doc)
            }
        }
        let graphMessage = ProtobufMessage { message in
            for node in graph.nodes { message.message(1, node) }
            message.string(2, "\(model.architecture.name)-inference")
            for initializer in graph.initializers { message.message(5, initializer) }
            message.message(11, valueInfo("ecg", [nil, leads, Int64(metadata.windowLength)],
                                          "ECG windows [batch, leads, samples]: \(task.leads.joined(separator: ", ")) at "
                                              + "\(metadata.samplingFrequency) Hz, normalised as metadata 'normalization' says"))
            message.message(12, valueInfo(logits, [nil, classes], "logits per class, in metadata 'class_codes' order"))
            message.message(12, valueInfo("probabilities", [nil, classes],
                                          singleLabel ? "softmax over the classes" : "sigmoid per class; positive above 'thresholds'"))
        }
        let normalization = switch metadata.normalization {
        case .centered: "centered: each lead's mean over the window removed, millivolts kept"
        case .perLead: "lead: each lead to zero mean and unit standard deviation over the window"
        }
        func json(_ value: Any) -> String {
            (try? JSONSerialization.data(withJSONObject: value)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        }
        let properties: [(String, String)] = [
            ("leads", json(task.leads)),
            ("sampling_frequency_hz", "\(metadata.samplingFrequency)"),
            ("window_length", "\(metadata.windowLength)"),
            ("normalization", normalization),
            ("label_kind", task.labelKind.rawValue),
            ("class_codes", json(task.classCodes)),
            ("class_names", json(task.classes.map(\.name))),
            ("thresholds", json(metadata.thresholds)),
            ("architecture", (try? metadata.configuration.json()) ?? metadata.configuration.summary),
            ("global_step", "\(metadata.globalStep)"),
            ("onnx_opset", "\(ONNXGraph.opset)"),
        ]
        let file = ProtobufMessage { file in
            file.integer(1, ONNXGraph.irVersion)
            file.string(2, "dist-train")
            file.string(3, DistTrainVersion.current)
            file.string(6, "\(model.architecture.summary); exported from step \(metadata.globalStep)")
            file.message(7, graphMessage)
            file.message(8) { $0.string(1, ""); $0.integer(2, ONNXGraph.opset) }
            for (key, value) in properties { file.message(14) { $0.string(1, key); $0.string(2, value) } }
        }
        return file.bytes
    }
}
