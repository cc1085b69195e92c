import DistTensor
import Foundation

/// `dist-train export`: a checkpoint's network written for other tools. `stateDict` is every tensor under its
/// PyTorch `state_dict` name (`.npz`, see `StateDictArchive`); `onnx` the inference graph of a model that
/// describes itself (`ONNXGraphDescribing`) with its preprocessing as metadata (`ONNXModelFile`).
public enum ModelExport {
    public enum Format: String, Sendable, CaseIterable {
        case stateDict = "state-dict"
        case onnx

        /// The file name ending this format writes.
        public var fileExtension: String {
            switch self {
            case .stateDict: "npz"
            case .onnx: "onnx"
            }
        }
    }

    /// Reads `checkpoint` (its digest verified) and writes it in `format` to `output` (atomically); returns a line
    /// for people saying what was written.
    public static func export(checkpoint: URL, format: Format, to output: URL) throws(ModelExportError) -> String {
        let reader: CheckpointReader
        let model: any ECGModel
        do throws(CheckpointError) {
            reader = try CheckpointReader(url: checkpoint)
            model = try reader.makeModel()
        } catch {
            throw .unusableCheckpoint(error.readingDescription)
        }
        let data = try self.data(of: model, metadata: reader.metadata, format: format)
        let what: String
        switch format {
        case .stateDict:
            what = "\(model.parameters.layout.entries.count) tensors of \(model.architecture.name) under their PyTorch "
                + "state_dict names (plus num_batches_tracked per BatchNorm)"
        case .onnx:
            what = "\(model.architecture.name) in inference form (BatchNorm running statistics, no dropout), input 'ecg' "
                + "[batch, \(model.input.leads), \(reader.metadata.windowLength)], outputs 'logits' and 'probabilities' "
                + "(\(reader.metadata.task.labelKind == .singleLabel ? "softmax" : "sigmoid")), ONNX IR version "
                + "\(ONNXGraph.irVersion), opset \(ONNXGraph.opset), preprocessing in metadata_props"
        }
        do {
            try data.write(to: output, options: .atomic)
        } catch {
            throw .unwritable(path: output.path, reason: (error as NSError).localizedDescription)
        }
        return "export: wrote \(output.path) (\(format.rawValue), \(data.count) bytes): " + what
    }

    /// The bytes of `model` (with the checkpoint's `metadata`) in `format`; an architecture that cannot be written in
    /// it (no `ONNXGraphDescribing` for onnx) is refused by name.
    public static func data(of model: any ECGModel, metadata: CheckpointMetadata, format: Format) throws(ModelExportError) -> Data {
        switch format {
        case .stateDict: StateDictArchive.npz(of: model.parameters, numBatchesTracked: metadata.globalStep)
        case .onnx: try ONNXModelFile.data(model: model, metadata: metadata)
        }
    }
}

/// Why an export did not happen; each case names the file or the architecture and what to do.
public enum ModelExportError: Error, CustomStringConvertible {
    case unusableCheckpoint(String)
    case unwritable(path: String, reason: String)
    /// The architecture has no description in this format yet.
    case unsupportedArchitecture(name: String, format: String, supported: [String])

    public var description: String {
        switch self {
        case let .unusableCheckpoint(reason): reason
        case let .unwritable(path, reason): "cannot write --out \(path): \(reason). Choose a writable path."
        case let .unsupportedArchitecture(name, format, supported):
            "architecture \(name) cannot be exported as \(format) yet (this dist-train exports "
                + supported.joined(separator: ", ") + " as \(format)); export it with --format state-dict instead."
        }
    }
}
