import ECGNets
import Foundation
import Testing

/// What a user sees from the command line: help, bad flags, and the bench's JSON.
@Suite struct CommandLineTests {
    @Test func helpListsTheCommands() throws {
        let result = try CommandRunner.run(["--help"])
        #expect(result.status == 0)
        for command in ["train", "prepare", "dataset", "evaluate", "predict", "score", "inspect", "synth", "bench", "check-mpi"] { #expect(result.output.contains(command)) }
    }

    @Test(arguments: [
        (["bench", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["train", "--model", "resnet50"], "resnet50"),
        (["train", "--widths", "8,16"], "--widths needs 4 positive integers"),
        (["train", "--threads", "0"], "--threads must be at least 1"),
        // Issue 14 item 8: a negative number is read as the value (it was "Missing value for '--lr'").
        (["train", "--lr", "-1"], "--lr must be a positive number (got -1.0)"),
        (["train", "--lr-schedule", "step"], "step"),
        (["train", "--plateau-factor", "2"], "--plateau-factor must be in (0, 1)"),
        (["train", "--normalization", "minmax"], "minmax"),
        (["train", "--gaussian-noise", "1.5"], "Gaussian noise"),
        (["train", "--bucket-mib", "0"], "--bucket-mib must be positive"),
        (["train", "--blocks-per-stage", "2,2,2"], "--widths needs 3 positive integers, one per stage"),
        (["train", "--model-configuration", #"{"architecture":"gru"}"#], "unknown architecture 'gru'"),
        (["train", "--synthetic-fraction", "-0.1"], "--synthetic-fraction must be in [0, 1)"),
        (["train", "--synthetic-fraction", "1"], "--synthetic-fraction must be in [0, 1)"),
        (["train", "--synthetic-fraction", "0.2", "--synthetic-classes", "LQT,XYZ"], "--synthetic-classes: XYZ is not a class the simulator draws"),
        (["train", "--synthetic-classes", "LQT"], "--synthetic-classes chooses the classes of --synthetic-fraction's records"),
    ])
    func badFlagsAreExplained(arguments: [String], message: String) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.status != 0)
        #expect(result.error.contains(message), "stderr: \(result.error)")
    }

    @Test func benchPrintsJSON() throws {
        let result = try CommandRunner.run(["bench", "--model", "resnet18", "--batch-size", "2", "--length", "256", "--steps", "1",
                                            "--threads", "1", "--json"])
        #expect(result.status == 0, "\(result.error)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        for key in ["trainSamplesPerSecond", "inferSamplesPerSecond", "trainGFLOPS", "inferGFLOPS", "peakResidentMiB"] {
            let value = object?[key] as? Double
            #expect(value != nil && value! > 0, "\(key) = \(String(describing: value))")
        }
        let peak = object?["peak"] as? [String: Any]
        #expect((peak?["measuredGFLOPS"] as? Double ?? 0) > 0 && (peak?["basis"] as? String)?.hasPrefix("measured") == true, "\(result.output)")
        // DESIGN.md §8: ResNet18-1D has 8.8 M parameters.
        #expect((8_750_000..<8_850_000).contains(object?["parameters"] as? Int ?? 0))
    }

    /// The architecture is data on the command line: a 3-stage ResNet by `--blocks-per-stage` and the same network
    /// given as `--model-configuration` JSON build the network of that configuration (its parameter count, counted
    /// here by the library).
    @Test func architecturesAreGivenAsData() throws {
        let threeStages = ModelConfiguration.resnet1D(
            ResNet1DConfiguration(depth: .init(blocksPerStage: [2, 2, 2]), widths: [8, 16, 32]))
        let expected = threeStages.makeModel(seed: 0).parameters.parameterCount
        let common = ["bench", "--batch-size", "2", "--length", "256", "--steps", "1", "--threads", "1", "--json"]
        for flags in [["--blocks-per-stage", "2,2,2", "--widths", "8,16,32"], ["--model-configuration", try threeStages.json()]] {
            let result = try CommandRunner.run(common + flags)
            #expect(result.status == 0, "\(result.error)")
            let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
            #expect(object?["model"] as? String == "resnet14" && object?["parameters"] as? Int == expected, "\(result.output)")
        }
    }
}
