import DistTensor
import Foundation

/// A model that can describe its inference graph (running BatchNorm statistics, no dropout) in ONNX operators.
/// Architectures opt in by implementing it; `dist-train export --format onnx` refuses the others by name.
public protocol ONNXGraphDescribing: ECGModel {
    /// Appends the nodes that turn `input` (`[N, leads, samples]`, float) into logits `[N, classes]` and returns the
    /// logits' value name; nil (and nothing appended) when this configuration has a layer the graph cannot express.
    func describeInference(in graph: inout ONNXGraph, input: String) -> String?
}

/// An ONNX graph being built: nodes in topological order and the model's tensors as initializers under their
/// state_dict names, plus the operators ResNet-like networks need, each taking layer objects so a model describes
/// itself with the same layers it computes with.
public struct ONNXGraph {
    /// Opset of the default domain the nodes are written against, and the IR version of the file.
    public static let opset: Int64 = 17
    public static let irVersion: Int64 = 8

    let store: ParameterStore
    private(set) var nodes: [ProtobufMessage] = []
    private(set) var initializers: [ProtobufMessage] = []
    private var initialized: Set<String> = []
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

    /// The name of the store's tensor at `slot` (a parameter or a buffer), added as a float initializer once.
    public mutating func tensor(_ slot: ParameterSlot, kind: ParameterKind = .parameter) -> String {
        guard let entry = store.layout.entries.first(where: { $0.kind == kind && $0.offset == slot.offset && $0.count == slot.count })
        else { preconditionFailure("no \(kind) at offset \(slot.offset) in the model's parameter store") }
        if initialized.insert(entry.name).inserted {
            initializers.append(Self.floatTensor(name: entry.name, shape: entry.shape, values: store.storage(of: entry)))
        }
        return entry.name
    }

    /// `TensorProto{dims, data_type FLOAT, name, raw_data}` (raw data is little-endian, as ONNX requires).
    static func floatTensor(name: String, shape: [Int], values: UnsafeMutableBufferPointer<Float>) -> ProtobufMessage {
        ProtobufMessage { tensor in
            tensor.packedIntegers(1, shape.map(Int64.init))
            tensor.integer(2, 1)
            tensor.string(8, name)
            var raw = Data(capacity: values.count * 4)
            for value in values { raw.appendLittleEndian(value.bitPattern) }
            tensor.bytes(9, raw)
        }
    }

    public mutating func convolution(_ x: String, _ conv: Conv1D) -> String {
        node("Conv", [x, tensor(conv.weight)] + (conv.bias.map { [tensor($0)] } ?? []),
             attributes: [("kernel_shape", .ints([conv.kernelSize])), ("strides", .ints([conv.stride])),
                          ("pads", .ints([conv.padding, conv.padding])), ("dilations", .ints([1])), ("group", .int(1))])
    }

    /// Inference BatchNorm: running statistics (`training_mode` 0, the default).
    public mutating func batchNormalization(_ x: String, _ norm: BatchNorm1D) -> String {
        node("BatchNormalization", [x, tensor(norm.weight), tensor(norm.bias), tensor(norm.runningMean, kind: .buffer),
                                    tensor(norm.runningVariance, kind: .buffer)],
             attributes: [("epsilon", .float(norm.epsilon)), ("momentum", .float(1 - norm.momentum))])
    }

    public mutating func relu(_ x: String) -> String { node("Relu", [x]) }

    public mutating func add(_ a: String, _ b: String) -> String { node("Add", [a, b]) }

    /// Max-pooling; ONNX pads with -inf as PyTorch does.
    public mutating func maxPool(_ x: String, _ pool: MaxPool1D) -> String {
        node("MaxPool", [x], attributes: [("kernel_shape", .ints([pool.kernelSize])), ("strides", .ints([pool.stride])),
                                          ("pads", .ints([pool.padding, pool.padding]))])
    }

    /// Mean over the samples axis: `[N, C, L]` to `[N, C]`.
    public mutating func globalAveragePool(_ x: String) -> String {
        node("Flatten", [node("GlobalAveragePool", [x])], attributes: [("axis", .int(1))])
    }

    /// `x · Wᵀ + b`.
    public mutating func linear(_ x: String, _ layer: Linear, output: String? = nil) -> String {
        node("Gemm", [x, tensor(layer.weight), tensor(layer.bias)], output: output,
             attributes: [("alpha", .float(1)), ("beta", .float(1)), ("transB", .int(1))])
    }
}

/// The ONNX file of a checkpoint's network: input `ecg` `[batch, leads, window]` (batch dynamic), outputs `logits`
/// and `probabilities` (sigmoid per class for a multi-label task, softmax over classes for a single-label one), and
/// the preprocessing the input needs as `metadata_props`.
enum ONNXModelFile {
    static func data(model: any ECGModel, metadata: CheckpointMetadata) throws(ModelExportError) -> Data {
        guard let describing = model as? any ONNXGraphDescribing else {
            throw .unsupportedArchitecture(name: model.architecture.name + " (\(model.architecture.architecture))",
                                           format: "onnx", supported: ["resnet1d without squeeze-and-excitation"])
        }
        let task = metadata.task
        var graph = ONNXGraph(store: model.parameters)
        guard let logits = describing.describeInference(in: &graph, input: "ecg") else {
            throw .unsupportedArchitecture(name: model.architecture.name + " (\(model.architecture.architecture))",
                                           format: "onnx", supported: ["resnet1d without squeeze-and-excitation"])
        }
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
