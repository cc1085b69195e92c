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

    /// Windows `[N, leads, length]` of `data`'s test split and our evaluation-mode logits `[N, classes]`, written as
    /// raw float32 files `windows.f32` and `logits.f32` into `directory`; returns N.
    static func writeEvaluationReference(checkpoint: URL, data: String = TestDatasets.simulated400,
                                         into directory: URL) throws -> Int {
        let reader = try CheckpointReader(url: checkpoint)
        let model = try reader.makeModel()
        let metadata = reader.metadata
        let dataset = try ECGDataset(contentsOf: URL(fileURLWithPath: data))
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

    /// A CinC 2017 style set (lead II, 300 Hz, N/A/O/~; 200 records, 20 in the test split) for the single-lead,
    /// single-label networks, prepared once.
    static let cinc2017: String = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dist-train-onnx-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let synth = try CommandRunner.run(["synth", "--style", "cinc2017", "--out", "records", "--records", "200", "--seed", "5"],
                                              in: directory, timeout: 300)
            let prepared = try CommandRunner.run(["prepare", "--data", "records", "--out", "c17.nc", "--rate", "300", "--leads", "II"],
                                                 in: directory, timeout: 300)
            if synth.status != 0 || prepared.status != 0 { print("InteropExportTests: \(synth.error) \(prepared.error)") }
        } catch {
            print("InteropExportTests: could not make the CinC 2017 set: \(error)")
        }
        return directory.appendingPathComponent("c17.nc").path
    }()

    /// One architecture of the zoo in a tiny configuration, trained 3 steps on a task it takes.
    struct ONNXCase: CustomTestStringConvertible, Sendable {
        let name: String
        let data: @Sendable () -> String
        let arguments: [String]
        let leads: Int
        let length: Int
        let classes: Int
        /// The operators the graph must consist of (besides the task's Sigmoid or Softmax).
        let operators: Set<String>
        var singleLabel: Bool { classes == 4 }
        /// The architecture's key in the configuration JSON.
        var architecture: String {
            name.hasSuffix("resnet34") || name == "resnet" ? "resnet1d" : name.hasPrefix("cnn1d") ? "cnn1d"
                : String(name.prefix { $0 != " " })
        }
        var testDescription: String { name }
    }

    static let convolutional: Set = ["Conv", "BatchNormalization", "Relu", "MaxPool", "GlobalAveragePool", "Flatten", "Gemm"]
    static let attention: Set = ["MatMul", "Add", "Transpose", "Reshape", "Gather", "Mul", "Softmax"]

    static func recurrentConfiguration(_ architecture: String) -> String {
        "{\"architecture\": \"\(architecture)\", \"configuration\": {\"leads\": 1, \"classes\": 4, \"frame\": 10, \"hidden\": 16, "
            + "\"layers\": 2, \"heads\": 2, \"dropout\": 0.1, \"attentionDropout\": 0.1}}"
    }

    static func attentionConfiguration(_ activation: String) -> String {
        "{\"architecture\": \"cnn-mhsa\", \"configuration\": {\"leads\": 1, \"classes\": 4, \"widths\": [8, 8, 16, 16], "
            + "\"heads\": 2, \"attentionDropout\": 0.1, \"dense\": [16], \"activation\": \"\(activation)\", \"dropout\": 0.2}}"
    }

    /// Every architecture of the zoo: the ResNets on the 12-lead multi-label task (sigmoid), the others on the
    /// single-lead CinC 2017 task (softmax). gru-mha's window (1,005 samples) is not a whole number of frames, so
    /// its graph slices the 1,000 the network reads.
    static let onnxCases: [ONNXCase] = [
        ONNXCase(name: "resnet34", data: { TestDatasets.simulated400 }, arguments: ["--widths", "8,16,16,32"],
                 leads: 12, length: 400, classes: 27, operators: convolutional.union(["Add"])),
        ONNXCase(name: "resnet", data: { TestDatasets.simulated400 }, arguments: ["--model", "resnet"],
                 leads: 12, length: 400, classes: 27, operators: convolutional.union(["Add"])),
        ONNXCase(name: "se-resnet34", data: { TestDatasets.simulated400 }, arguments: ["--model", "se-resnet34", "--widths", "16,16,32,32"],
                 leads: 12, length: 400, classes: 27, operators: convolutional.union(["Add", "Sigmoid", "Unsqueeze", "Mul"])),
        ONNXCase(name: "cnn1d", data: { cinc2017 }, arguments: ["--model", "cnn1d"], leads: 1, length: 1000, classes: 4,
                 operators: convolutional),
        ONNXCase(name: "cnn1d-twin", data: { cinc2017 }, arguments: ["--model", "cnn1d-twin"], leads: 1, length: 1000, classes: 4,
                 operators: convolutional.union(["Concat"])),
        ONNXCase(name: "gru-mha", data: { cinc2017 }, arguments: ["--model-configuration", recurrentConfiguration("gru-mha")],
                 leads: 1, length: 1005, classes: 4,
                 operators: attention.union(["Slice", "GRU", "Squeeze", "ReduceMean", "Gemm"])),
        ONNXCase(name: "lstm-mha", data: { cinc2017 }, arguments: ["--model-configuration", recurrentConfiguration("lstm-mha")],
                 leads: 1, length: 1000, classes: 4, operators: attention.union(["LSTM", "Squeeze", "ReduceMean", "Gemm"])),
        ONNXCase(name: "cnn-mhsa (gelu)", data: { cinc2017 }, arguments: ["--model-configuration", attentionConfiguration("gelu")],
                 leads: 1, length: 1000, classes: 4,
                 operators: convolutional.subtracting(["GlobalAveragePool", "Flatten"])
                     .union(attention).union(["LayerNormalization", "ReduceMean", "Erf", "Div"])),
        ONNXCase(name: "cnn-mhsa (leaky-relu)", data: { cinc2017 }, arguments: ["--model-configuration", attentionConfiguration("leaky-relu")],
                 leads: 1, length: 1000, classes: 4,
                 operators: convolutional.subtracting(["GlobalAveragePool", "Flatten"])
                     .union(attention).union(["LayerNormalization", "ReduceMean", "LeakyRelu"])),
    ]

    /// Must-hold 2, for every architecture of the zoo: onnxruntime runs the ONNX export on the windows `dist-train
    /// evaluate` scores and gives our logits within 1e-4 relative (and their sigmoid or softmax as probabilities) at
    /// batch sizes N, 1 and 7 (the batch dimension is dynamic); `onnx.checker.check_model(full_check=True)` passes;
    /// the graph is made of the operators the architecture needs; the metadata carries the preprocessing and the
    /// checkpoint's thresholds.
    @Test(arguments: onnxCases)
    func onnxExportRunsInONNXRuntime(_ model: ONNXCase) throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = model.data()
        let run = try CommandRunner.run(["--length", "\(model.length)", "--data", data, "--batch-size", "8", "--max-steps", "3",
                                         "--threads", "1", "--progress", "lines"] + model.arguments, in: directory)
        try #require(run.status == 0, "\(run.error)")
        let checkpoint = directory.appendingPathComponent("checkpoints/step-000003.nc")
        let export = try CommandRunner.run(["export", "--checkpoint", checkpoint.path, "--format", "onnx",
                                            "--out", "model.onnx"], in: directory)
        try #require(export.status == 0, "\(export.error)")
        #expect(export.output.contains("opset 17"), "\(export.output)")
        let count = try Self.writeEvaluationReference(checkpoint: checkpoint, data: data, into: directory)
        let script = """
            import sys, json, numpy as np, onnx, onnxruntime
            folder, count, leads, length, classes, single = sys.argv[1], *map(int, sys.argv[2:7])
            model = onnx.load(folder + "/model.onnx")
            onnx.checker.check_model(model, full_check=True)
            session = onnxruntime.InferenceSession(folder + "/model.onnx", providers=["CPUExecutionProvider"])
            windows = np.fromfile(folder + "/windows.f32", dtype="<f4").reshape(count, leads, length)
            ours = np.fromfile(folder + "/logits.f32", dtype="<f4").reshape(count, classes)
            worst, link = 0.0, 0.0
            for batch in (count, 1, 7):
                for start in range(0, count, batch):
                    logits, probabilities = session.run(["logits", "probabilities"], {"ecg": windows[start:start + batch]})
                    reference = ours[start:start + batch]
                    worst = max(worst, float(np.abs(logits - reference).max() / np.abs(ours).max()))
                    z = logits.astype(np.float64)
                    if single:
                        expected = np.exp(z - z.max(axis=1, keepdims=True))
                        expected /= expected.sum(axis=1, keepdims=True)
                    else:
                        expected = 1 / (1 + np.exp(-z))
                    link = max(link, float(np.abs(probabilities - expected).max()))
            dims = model.graph.input[0].type.tensor_type.shape.dim
            print(json.dumps({"relative": worst, "link": link, "ir": model.ir_version,
                              "opset": [o.version for o in model.opset_import if o.domain == ""],
                              "input": [d.dim_param or d.dim_value for d in dims],
                              "ops": sorted({n.op_type for n in model.graph.node}),
                              "metadata": {p.key: p.value for p in model.metadata_props}}))
            """
        let python = try PythonEnvironment.python(PythonEnvironment.tools)
        let result = try PythonEnvironment.run(python, ["-c", script, directory.path, "\(count)", "\(model.leads)", "\(model.length)",
                                                        "\(model.classes)", model.singleLabel ? "1" : "0"])
        try #require(result.status == 0, "\(result.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        let relative = try #require(object["relative"] as? Double)
        print("InteropExportTests: ONNX export of \(model.name), onnxruntime logits vs ours on \(count) windows: \(relative) relative")
        #expect(relative <= 1e-4)
        let link = try #require(object["link"] as? Double)
        #expect(link <= 1e-6, "probabilities are the \(model.singleLabel ? "softmax" : "sigmoid") of the logits")
        #expect(object["ir"] as? Int == 8 && object["opset"] as? [Int] == [17])
        let input = try #require(object["input"] as? [Any])
        #expect(input.first as? String == "batch" && input.dropFirst().compactMap { $0 as? Int } == [model.leads, model.length])
        #expect(object["ops"] as? [String] == model.operators.union([model.singleLabel ? "Softmax" : "Sigmoid"]).sorted())
        let metadata = try #require(object["metadata"] as? [String: String])
        let inspect = try CommandRunner.run(["inspect", "--json", checkpoint.path])
        let description = try #require(try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as? [String: Any])
        func list(_ key: String) throws -> [Any] {
            let text = try #require(metadata[key], "metadata lacks \(key)")
            return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any], "\(key)")
        }
        #expect(try list("thresholds") as? [Double] == description["thresholds"] as? [Double])
        #expect(try list("class_codes") as? [String] == description["classCodes"] as? [String])
        #expect(try list("leads") as? [String] == description["leadNames"] as? [String])
        #expect(try list("class_names").count == model.classes)
        #expect(metadata["window_length"] == "\(model.length)")
        #expect(metadata["sampling_frequency_hz"] == (model.singleLabel ? "300.0" : "500.0"))
        #expect(metadata["normalization"]?.hasPrefix("centered") == true)
        #expect(metadata["label_kind"] == (model.singleLabel ? "single-label" : "multi-label"))
        #expect(metadata["architecture"]?.contains("\"architecture\":\"\(model.architecture)\"") == true, "\(metadata["architecture"] ?? "")")
        #expect(metadata["global_step"] == "3" && metadata["onnx_opset"] == "17")
    }

    /// Must-hold 1: TensorBoard's own `EventAccumulator` reads rank 0's event file of a 2-rank run and finds every
    /// step's training scalars with the values of `rank-0.jsonl`, every number of each validation with the values of
    /// the report's `history.json`, and the hyper-parameters (HParams plugin) with the checkpoint's values.
    @Test func tensorBoardShowsWhatTrainingLogged() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try CommandRunner.run(Self.trainArguments + ["--tensorboard", "tb", "--validate-every", "2", "--lr", "0.002"], ranks: 2,
                                        in: directory, timeout: 300)
        try #require(run.status == 0, "\(run.error)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("tb").path)
        #expect(files.count == 1 && files[0].hasPrefix("events.out.tfevents."), "one event file, from rank 0: \(files)")
        let script = """
            import sys, json
            from tensorboard.backend.event_processing import event_accumulator
            from tensorboard.plugins.hparams import plugin_data_pb2
            accumulator = event_accumulator.EventAccumulator(sys.argv[1], size_guidance={event_accumulator.SCALARS: 0})
            accumulator.Reload()
            scalars = {tag: [[e.step, e.value] for e in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]}
            content = accumulator.PluginTagToContent("hparams")
            data = {k: plugin_data_pb2.HParamsPluginData.FromString(v) for k, v in content.items()}
            start = data["_hparams_/session_start_info"].session_start_info
            experiment = data["_hparams_/experiment"].experiment
            def value(v):
                kind = v.WhichOneof("kind")
                return {"number_value": v.number_value, "string_value": v.string_value, "bool_value": v.bool_value}[kind]
            print(json.dumps({"scalars": scalars, "hparams": {k: value(v) for k, v in start.hparams.items()},
                              "hparam_infos": sorted(h.name for h in experiment.hparam_infos),
                              "metric_tags": sorted(m.name.tag for m in experiment.metric_infos),
                              "end_status": data["_hparams_/session_end_info"].session_end_info.status}))
            """
        let python = try PythonEnvironment.python(PythonEnvironment.tools)
        let result = try PythonEnvironment.run(python, ["-c", script, directory.appendingPathComponent("tb").path])
        try #require(result.status == 0, "\(result.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        let scalars = try #require(object["scalars"] as? [String: [[Double]]])
        /// float32 (`simple_value`) of a double.
        func close(_ logged: Double, _ shown: Double) -> Bool { abs(logged - shown) <= 1e-6 * max(abs(logged), 1e-30) }

        // Training: every step of rank-0.jsonl, every scalar.
        let lines = try String(contentsOf: directory.appendingPathComponent("dist-train-logs/rank-0.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(lines.count == 3)
        for line in lines {
            let step = try #require(line["step"] as? Int)
            let (allReduce, compute) = (try #require(line["allreduce_ms"] as? Double), try #require(line["compute_ms"] as? Double))
            for (tag, logged) in [("train/loss", line["loss"] as? Double), ("train/learning_rate", line["learning_rate"] as? Double),
                                  ("train/samples_per_s", line["samples_per_s"] as? Double),
                                  ("train/allreduce_share", allReduce / (allReduce + compute))] {
                let logged = try #require(logged, "rank-0.jsonl lacks \(tag)")
                let shown = try #require(scalars[tag]?.first { Int($0[0]) == step }?[1], "\(tag) has no step \(step)")
                #expect(close(logged, shown), "\(tag) at step \(step): \(shown) vs \(logged)")
            }
        }
        // Validation: every number of every history.json entry at its step, and nothing else.
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory
            .appendingPathComponent("checkpoints/report/history.json"))) as? [String: Any])
        let history = try #require(report["entries"] as? [[String: Any]])
        #expect(history.map { $0["global_step"] as? Int } == [2, 3])
        var expected: [String: [[Double]]] = [:]
        func flatten(_ value: Any, _ path: String, step: Int) {
            if let object = value as? [String: Any] {
                for (key, inner) in object where path != "validation" || !["epoch", "global_step"].contains(key) {
                    flatten(inner, "\(path)/\(key)", step: step)
                }
            } else if let number = value as? Double, number.isFinite {
                expected[path, default: []].append([Double(step), number])
            }
        }
        for entry in history { flatten(entry, "validation", step: try #require(entry["global_step"] as? Int)) }
        #expect(expected.keys.contains("validation/tuned_challenge_metric") && expected.keys.contains("validation/challenge_metric"))
        #expect(expected.keys.contains { $0.hasPrefix("validation/per_class/") && $0.hasSuffix("/auroc") })
        let shownValidation = scalars.filter { $0.key.hasPrefix("validation/") }
        #expect(Set(shownValidation.keys) == Set(expected.keys))
        for (tag, points) in expected {
            let shown = shownValidation[tag] ?? []
            #expect(shown.count == points.count && zip(shown, points).allSatisfy { $0[0] == $1[0] && close($1[1], $0[1]) },
                    "\(tag): \(shown) vs \(points)")
        }
        #expect(Set(scalars.keys) == Set(expected.keys).union(["train/loss", "train/learning_rate", "train/samples_per_s",
                                                                "train/allreduce_share"]))

        // Hyper-parameters: the values the checkpoint records, every metric tag listed for the HParams table.
        let inspect = try CommandRunner.run(["inspect", "--json", "checkpoints/step-000003.nc"], in: directory)
        let description = try #require(try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as? [String: Any])
        let hparams = try #require(object["hparams"] as? [String: Any])
        // The peak learning rate asked for (the checkpoint's optimizer holds the scheduled one at its step).
        let weightDecay = try #require(description["weightDecay"] as? Double)
        let (shownLearningRate, shownWeightDecay) = (try #require(hparams["learning_rate"] as? Double), try #require(hparams["weight_decay"] as? Double))
        #expect(close(0.002, shownLearningRate) && close(weightDecay, shownWeightDecay), "\(shownLearningRate), \(shownWeightDecay) vs \(weightDecay)")
        #expect(hparams["global_batch_size"] as? Double == (description["globalBatchSize"] as? Int).map(Double.init))
        #expect(hparams["seed"] as? Double == (description["seed"] as? Int).map(Double.init))
        #expect(hparams["ranks"] as? Double == 2 && hparams["window_length"] as? Double == 400)
        #expect(hparams["optimizer"] as? String == description["optimizer"] as? String)
        #expect(hparams["normalization"] as? String == description["normalization"] as? String)
        #expect(hparams["model"] as? String == "resnet34" && hparams["sync_bn"] as? Bool == false)
        #expect(object["hparam_infos"] as? [String] == hparams.keys.sorted())
        #expect(object["metric_tags"] as? [String] == expected.keys.sorted())
        #expect(object["end_status"] as? Int == 1)
    }
}

/// What needs no Python: the checksums of the writers against their standards' check values ("123456789"), and the
/// refusal of an architecture without an ONNX description.
@Suite struct InteropEncodingTests {
    @Test func checksumsMatchTheirCheckValues() {
        #expect(CRC32.ieee.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.castagnoli.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    /// An architecture the ONNX graph cannot express is refused by name, with the export that does work. Every
    /// architecture of the zoo describes itself now, so the network here is a checkpoint's ResNet18 behind a seam
    /// that hides its description (as a network without one, e.g. an STFT front end, would be).
    @Test func onnxRefusesAnArchitectureWithoutADescription() throws {
        final class Undescribed: ECGModel {
            let wrapped: any ECGModel
            init(_ wrapped: any ECGModel) { self.wrapped = wrapped }
            var architecture: ModelConfiguration { wrapped.architecture }
            var parameters: ParameterStore { wrapped.parameters }
            var input: ModelInput { wrapped.input }
            var classes: Int { wrapped.classes }
            var precision: ComputePrecision {
                get { wrapped.precision }
                set { wrapped.precision = newValue }
            }
            func forward(_ x: Tensor, training: Bool, dropoutKey: UInt64) -> Tensor { wrapped.forward(x, training: training, dropoutKey: dropoutKey) }
            func backward(_ dLogits: Tensor, gradientsReady: (Int) -> Void) { wrapped.backward(dLogits, gradientsReady: gradientsReady) }
            func synchronizeBatchNormalization(over group: ProcessGroup?) { wrapped.synchronizeBatchNormalization(over: group) }
            func multiplyAccumulates(length: Int) -> Int { wrapped.multiplyAccumulates(length: length) }
        }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ECGNetsTests/Fixtures/checkpoint-format1/resnet18-w4-step2.nc")
        let reader = try CheckpointReader(url: fixture)
        let model = Undescribed(try reader.makeModel())
        #expect(throws: ModelExportError.self) { try ModelExport.data(of: model, metadata: reader.metadata, format: .onnx) }
        do {
            _ = try ModelExport.data(of: model, metadata: reader.metadata, format: .onnx)
        } catch {
            #expect(error.description.hasPrefix("architecture resnet18 (resnet1d) cannot be exported as onnx yet")
                && error.description.contains("cnn-mhsa") && error.description.hasSuffix("export it with --format state-dict instead."),
                "\(error)")
        }
        let described = try reader.makeModel()
        #expect(try ModelExport.data(of: described, metadata: reader.metadata, format: .onnx).count > 0)
        #expect(try ModelExport.data(of: model, metadata: reader.metadata, format: .stateDict).count > 0)
    }
}
