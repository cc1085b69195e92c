import ArgumentParser
import ECGNets
import Foundation

/// `dist-train export`: a checkpoint's network for other tools (PyTorch's `load_state_dict`, ONNX runtimes).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's network for other tools: a PyTorch state_dict (.npz) or an ONNX model.",
        discussion: """
            state-dict: a NumPy .npz with every parameter and buffer under its PyTorch state_dict name (float32; \
            num_batches_tracked as int64), for torch.nn.Module.load_state_dict: \
            model.load_state_dict({k: torch.from_numpy(v) for k, v in numpy.load("model.npz").items()}).

            onnx: the network in inference form (BatchNorm with running statistics, no dropout; ONNX IR version 8, \
            opset 17): input "ecg" [batch, leads, window] with a dynamic batch, outputs "logits" and "probabilities" \
            (sigmoid per class, or softmax for a single-label task); metadata_props hold the leads, sampling rate, \
            window length, normalisation, class codes and names and the tuned thresholds. Every architecture of the \
            zoo exports (resnet18/34, resnet, se-resnet34, cnn1d, cnn1d-twin, gru-mha, lstm-mha, cnn-mhsa); one \
            without an ONNX description is refused by name.
            """)

    @Option(help: "A checkpoint written by dist-train train (step-<step>.nc or best.nc).")
    var checkpoint: String

    @Option(help: "What to write: state-dict (.npz) or onnx (.onnx).")
    var format: ModelExport.Format

    @Option(help: "The file to write.")
    var out: String

    func validate() throws {
        let ending = URL(fileURLWithPath: out).pathExtension
        guard ending == format.fileExtension else {
            throw ValidationError("--out \(out): a \(format.rawValue) export is a .\(format.fileExtension) file; "
                                  + "name it so (e.g. model.\(format.fileExtension)).")
        }
    }

    func run() throws {
        do {
            print(try ModelExport.export(checkpoint: URL(fileURLWithPath: checkpoint), format: format,
                                         to: URL(fileURLWithPath: out)))
        } catch {
            throw ExportFailure(description: "export: \(error)")
        }
    }
}

extension ModelExport.Format: ExpressibleByArgument {}

struct ExportFailure: Error, CustomStringConvertible {
    let description: String
}
