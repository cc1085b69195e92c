import DistTensor
import ECGNets
import Foundation
import Testing

/// Issue 15: the exports checked by the real tools. A tiny ResNet34 (the reference widths 8, 16, 16, 32) trained 3
/// steps; our evaluation logits on the test split's windows (built as `dist-train evaluate` builds them:
/// `ECGDatasetSamples` in evaluation mode with the checkpoint's window length, normalisation and leads) are the
/// reference every exported file must reproduce to 1e-4 relative (max |difference| over max |logit|).
@Suite(.serialized, .enabled(if: PythonEnvironment.available, "PyPI unreachable and no test venvs cached"))
struct InteropExportTests {
    static let trainArguments = ["--widths", "8,16,16,32", "--length", "400", "--data", TestDatasets.simulated400,
                                 "--batch-size", "8", "--max-steps", "3", "--threads", "1", "--progress", "lines"]

    static var fixtureDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ECGNetsTests/Fixtures/resnet1d-tiny")
    }

    /// Windows `[N, leads, length]` and our evaluation-mode logits `[N, classes]`, written as raw float32 files
    /// `windows.f32` and `logits.f32` into `directory`; returns N.
    static func writeEvaluationReference(checkpoint: URL, into directory: URL) throws -> Int {
        let reader = try CheckpointReader(url: checkpoint)
        let model = try reader.makeModel()
        let metadata = reader.metadata
        let dataset = try ECGDataset(contentsOf: URL(fileURLWithPath: TestDatasets.simulated400))
        let samples = try ECGDatasetSamples(dataset: dataset, recordIndices: dataset.indices(in: .test),
                                            windowLength: metadata.windowLength, mode: .evaluation,
                                            normalization: metadata.normalization, leadNames: metadata.task.leads)
        let (count, leads, length) = (samples.count, samples.leads, samples.length)
        var windows = [Float](repeating: 0, count: count * leads * length)
        var target = [Float](repeating: 0, count: samples.classes)
        try windows.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<count {
                try samples.fill(index, epoch: 0, signal: buffer.baseAddress! + index * leads * length, target: &target)
            }
        }
        let logits = model.forward(Tensor(shape: [count, leads, length], values: windows), training: false)
        try windows.withUnsafeBytes { try Data($0).write(to: directory.appendingPathComponent("windows.f32")) }
        try Data(buffer: UnsafeBufferPointer(start: logits.base, count: logits.count))
            .write(to: directory.appendingPathComponent("logits.f32"))
        return count
    }

    /// Trains the tiny network in `directory` and returns its last checkpoint.
    static func trainTiny(in directory: URL, extra: [String] = []) throws -> URL {
        let run = try CommandRunner.run(trainArguments + extra, in: directory)
        try #require(run.status == 0, "\(run.error)")
        return directory.appendingPathComponent("checkpoints/step-000003.nc")
    }

    /// Must-hold 3: `load_state_dict` (strict) of the export into the reference PyTorch ResNet34-1D
    /// (make_float64_trace.py's `Net`, reference widths) gives our evaluation logits.
    @Test func stateDictLoadsIntoTheReferenceResNet() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try Self.trainTiny(in: directory)
        let export = try CommandRunner.run(["export", "--checkpoint", checkpoint.path, "--format", "state-dict",
                                            "--out", "model.npz"], in: directory)
        try #require(export.status == 0, "\(export.error)")
        #expect(export.output.contains("182 tensors of resnet34"), "\(export.output)")
        let count = try Self.writeEvaluationReference(checkpoint: checkpoint, into: directory)
        let script = """
            import sys, json, numpy as np, torch
            sys.path.insert(0, ".")
            import make_float64_trace as reference
            folder, count = sys.argv[1], int(sys.argv[2])
            net = reference.Net()
            archive = np.load(folder + "/model.npz")
            result = net.load_state_dict({k: torch.from_numpy(v) for k, v in archive.items()}, strict=True)
            net.eval()
            windows = torch.from_numpy(np.fromfile(folder + "/windows.f32", dtype="<f4").reshape(count, 12, 400))
            ours = np.fromfile(folder + "/logits.f32", dtype="<f4").reshape(count, 27)
            with torch.no_grad():
                theirs = net(windows).numpy()
            print(json.dumps({"missing": result.missing_keys, "unexpected": result.unexpected_keys,
                              "tracked": int(net.stem[1].num_batches_tracked),
                              "relative": float(np.abs(theirs - ours).max() / np.abs(ours).max())}))
            """
        let python = try PythonEnvironment.python(PythonEnvironment.torch)
        let result = try PythonEnvironment.run(python, ["-c", script, directory.path, "\(count)"], in: Self.fixtureDirectory)
        try #require(result.status == 0, "\(result.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        #expect((object["missing"] as? [String])?.isEmpty == true && (object["unexpected"] as? [String])?.isEmpty == true)
        #expect(object["tracked"] as? Int == 3, "num_batches_tracked is the checkpoint's global step")
        let relative = try #require(object["relative"] as? Double)
        print("InteropExportTests: state-dict export, PyTorch logits vs ours on \(count) windows: \(relative) relative")
        #expect(relative <= 1e-4)
    }
}
