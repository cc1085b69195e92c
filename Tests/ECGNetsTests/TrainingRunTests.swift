import DistTensor
import ECGNets
import Foundation
import Testing

/// The library's training run in a world of one, in-process: a run stopped by a stop request and resumed from its
/// checkpoint ends exactly where an uninterrupted one does, early stopping ends the run at the validation its rule
/// names, and the plateau schedule lowers the learning rate the optimizer uses when its rule says so.
@Suite(.serialized) struct TrainingRunTests {
    /// 80 simulated records (60 train, 10 validation, 10 test), prepared once per test process.
    static let dataset: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dist-train-run-tests-\(UUID().uuidString)")
        let url = directory.appendingPathComponent("sim80.nc")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let options = ECGDatasetPreparationOptions(
                splitFractions: try DatasetSplitFractions(train: 0.75, validation: 0.125, test: 0.125), splitSeed: 1)
            _ = try ECGDatasetPreparation(options: options).prepare(.simulator(count: 80, seed: 7), to: url)
        } catch {
            Issue.record("could not prepare the test dataset: \(error)")
        }
        return url
    }()

    /// A tiny two-stage ResNet on 400-sample windows, batches of 10 (6 steps per epoch), writing into `directory`.
    static func configuration(in directory: URL) -> TrainingRunConfiguration {
        var run = TrainingRunConfiguration()
        run.model = .resnet1D(ResNet1DConfiguration(depth: .init(blocksPerStage: [1, 1]), widths: [4, 8], dropout: 0.1))
        run.data = DatasetLocation(path: dataset.path)
        run.epochs = 2
        run.batchSize = 10
        run.windowLength = 400
        run.seed = 5
        run.checkpoints.directory = directory.appendingPathComponent("checkpoints")
        run.logDirectory = directory.appendingPathComponent("logs")
        return run
    }

    /// Runs `configuration` to its end; `stopAfter` asks to stop once that many steps are done (so the run stops
    /// after the next step, as it does after a signal).
    static func train(_ configuration: TrainingRunConfiguration, stopAfter: Int? = nil)
        throws -> (run: TrainingRun, outcome: TrainingOutcome, messages: [String]) {
        var messages: [String] = []
        var steps = 0
        let events = TrainingRunEvents(message: { messages.append($0) }, stepCompleted: { report, _ in steps = report.step },
                                       stopRequest: { stopAfter.map { steps >= $0 } == true ? "a test" : nil })
        let run = try TrainingRun(configuration, world: SingleProcessGroup(), events: events)
        let outcome = try run.run()
        return (run, outcome, messages)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dist-train-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Stopped after step 5 (no validation due) or after step 6 (a validation and the end of the first epoch are due:
    /// the resumed run validates first), the resumed run ends with the uninterrupted run's parameters, history,
    /// schedule and early-stopping state.
    @Test(arguments: [5, 6]) func aStoppedRunResumesExactly(stopStep: Int) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var whole = Self.configuration(in: directory.appendingPathComponent("whole"))
        whole.schedule.validateEvery = 2
        whole.schedule.earlyStoppingPatience = 10
        let uninterrupted = try Self.train(whole)
        #expect(uninterrupted.outcome == .completed && uninterrupted.run.trainer.globalStep == 12)

        var parts = whole
        parts.checkpoints.directory = directory.appendingPathComponent("parts/checkpoints")
        parts.logDirectory = directory.appendingPathComponent("parts/logs")
        // Asked once stopStep - 1 steps are done, the run stops after the step it is about to take, as after a signal.
        let first = try Self.train(parts, stopAfter: stopStep - 1)
        #expect(first.outcome == .stopped && first.run.trainer.globalStep == stopStep, "\(first.messages)")
        #expect(first.messages.contains { $0.contains("stop requested by a test; all ranks stopped after step \(stopStep)") })
        #expect(first.run.history.entries.count == (stopStep - 1) / 2, "no validation at the stop")
        let second = try Self.train(parts)
        #expect(second.outcome == .completed)
        #expect(second.messages.contains { $0.contains("resuming from") && $0.contains("step \(stopStep)") }, "\(second.messages)")
        #expect(second.messages.contains { $0.contains("validating after step 6 first") } == (stopStep == 6))
        #expect(ParameterDigest(of: second.run.model.parameters) == ParameterDigest(of: uninterrupted.run.model.parameters))
        #expect(second.run.history == uninterrupted.run.history && second.run.history.entries.count == 6)
        #expect(second.run.scheduler == uninterrupted.run.scheduler)
        #expect(second.run.earlyStopping == uninterrupted.run.earlyStopping)
        let best = { (directory: URL) throws -> CheckpointMetadata in
            try CheckpointReader(url: directory.appendingPathComponent("best.nc")).metadata
        }
        #expect(try best(parts.checkpoints.directory).globalStep == best(whole.checkpoints.directory).globalStep)
        #expect(try best(parts.checkpoints.directory).thresholds == best(whole.checkpoints.directory).thresholds)
    }

    /// With patience 1 the run must end at the first validation that does not beat the best so far (the metrics
    /// come from the run's own history, the rule is `EarlyStopping`'s, replayed here).
    @Test func earlyStoppingEndsTheRunWhereItsRuleSays() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Self.configuration(in: directory)
        configuration.epochs = 4
        configuration.schedule.kind = .constant
        configuration.schedule.validateEvery = 1
        configuration.schedule.earlyStoppingPatience = 1
        let result = try Self.train(configuration)
        let metrics = result.run.history.entries.map { $0.tunedChallengeMetric ?? .nan }
        var best: Double?
        var expectedStop: Int?
        for (index, metric) in metrics.enumerated() {
            if !metric.isNaN, best.map({ metric > $0 }) ?? true { best = metric } else { expectedStop = index + 1; break }
        }
        let stop = try #require(expectedStop, "every validation improved: \(metrics)")
        #expect(metrics.count == stop && result.run.trainer.globalStep == stop && stop < result.run.totalSteps)
        #expect(result.outcome == .completed)
        #expect(result.messages.contains { $0.hasPrefix("dist-train: early stopping: no better validation tuned Challenge metric in 1") })
    }

    /// The plateau schedule: each validation's tuned metric goes to the scheduler, and the rate the next steps use
    /// is halved after more than `patience` validations without an improvement of 1e-4 (replayed from the history).
    @Test func thePlateauScheduleLowersTheRateItsRuleSays() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Self.configuration(in: directory)
        configuration.schedule.kind = .plateau
        configuration.schedule.plateauPatience = 1
        configuration.schedule.plateauFactor = 0.5
        configuration.schedule.validateEvery = 1
        configuration.schedule.earlyStoppingPatience = 0
        let result = try Self.train(configuration)
        let entries = result.run.history.entries
        #expect(entries.count == 12)
        var rate = Double(configuration.learningRate)
        var best: Double?
        var withoutImprovement = 0
        var reductions = 0
        for entry in entries {
            // The history holds the optimizer's Float rate.
            #expect(abs(entry.learningRate - rate) <= 1e-6 * rate, "step \(entry.globalStep): \(entry.learningRate) vs \(rate)")
            let metric = entry.tunedChallengeMetric ?? .nan
            if !metric.isNaN, best.map({ metric > $0 + 1e-4 }) ?? true {
                best = metric
                withoutImprovement = 0
            } else {
                withoutImprovement += 1
            }
            if withoutImprovement > 1 {
                rate = max(rate * 0.5, configuration.schedule.minimumLearningRate)
                withoutImprovement = 0
                reductions += 1
            }
        }
        #expect(reductions > 0, "no plateau in \(entries.map(\.tunedChallengeMetric))")
        #expect(abs(result.run.scheduler.learningRate - rate) <= 1e-12 * rate)
    }

    /// 80 simulated records labelled on a class list of one's own (five simulator findings, names from the file),
    /// prepared as `sim80`.
    static func ownClassListDataset(in directory: URL) throws -> URL {
        let list = directory.appendingPathComponent("classes.txt")
        try "# simulator findings\n426783006,sinus\n427084000,tachy\n426177001,brady\n164889003,af\n39732003,lad\n"
            .write(to: list, atomically: true, encoding: .utf8)
        let url = directory.appendingPathComponent("own-classes.nc")
        let options = ECGDatasetPreparationOptions(
            labels: try .snomedList(at: list),
            splitFractions: try DatasetSplitFractions(train: 0.75, validation: 0.125, test: 0.125), splitSeed: 1)
        _ = try ECGDatasetPreparation(options: options).prepare(.simulator(count: 80, seed: 7), to: url)
        return url
    }

    /// Issue 11: a multi-label task on a user's SNOMED-CT list (no Challenge weights) trains, selected by macro AUROC:
    /// every validation's selected metric is its macro AUROC at 0.5, best.nc is the validation with the highest one,
    /// the plateau schedule and early stopping see it, thresholds stay 0.5 (nothing to tune without weights), and
    /// the report omits the Challenge metric and says why.
    @Test func aClassListOfOnesOwnTrainsByMacroAUROC() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Self.configuration(in: directory)
        configuration.data = DatasetLocation(path: try Self.ownClassListDataset(in: directory).path)
        configuration.schedule.kind = .plateau
        configuration.schedule.plateauPatience = 0
        configuration.schedule.validateEvery = 2
        configuration.schedule.earlyStoppingPatience = 3
        let result = try Self.train(configuration)
        let run = result.run
        #expect(run.task.classCodes == ["426783006", "427084000", "426177001", "164889003", "39732003"])
        #expect(run.task.challengeClasses == nil && run.selection == .macroAUROC)
        let entries = run.history.entries
        try #require(!entries.isEmpty, "\(result.messages)")
        for entry in entries {
            #expect(entry.selectionMetric == "macro-auroc" && entry.selectedMetric == entry.auroc)
            #expect(entry.challengeMetric.isNaN && entry.tunedChallengeMetric == nil && !entry.auroc.isNaN)
        }
        #expect(result.messages.contains { $0.contains("at 0.5 (no Challenge metric: the classes are not a Challenge class list")
            && $0.contains("selects by macro AUROC") }, "\(result.messages)")
        // best.nc: the first validation with the highest AUROC (only a strictly better one replaces it).
        let best = try CheckpointReader(url: configuration.checkpoints.directory.appendingPathComponent("best.nc")).metadata
        let top = try #require(entries.first { $0.auroc == entries.map(\.auroc).max() })
        #expect(best.globalStep == top.globalStep && best.validationMetric == top.auroc)
        #expect(best.selectionMetric == "macro-auroc" && best.thresholds == [Double](repeating: 0.5, count: 5))
        // The plateau schedule (patience 0) halves the rate after every validation that is not a new best AUROC.
        var rate = Double(configuration.learningRate)
        var bestSoFar: Double?
        for entry in entries {
            #expect(abs(entry.learningRate - rate) <= 1e-6 * rate, "step \(entry.globalStep)")
            if bestSoFar.map({ entry.auroc > $0 + 1e-4 }) ?? true { bestSoFar = entry.auroc } else { rate *= 0.5 }
        }
        #expect(abs(run.scheduler.learningRate - rate) <= 1e-12 * rate)
        #expect(run.earlyStopping?.bestMetric == entries.map(\.auroc).max())
        let report = configuration.checkpoints.directory.appendingPathComponent("report")
        let text = try String(contentsOf: report.appendingPathComponent("test.txt"), encoding: .utf8)
        #expect(text.contains("over 5 scoring classes (no Challenge metric: the classes are not a Challenge class list"), "\(text)")
        #expect(!text.contains("Challenge metric 0") && !text.contains("Challenge metric nan") && text.contains("AUROC"), "\(text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("test.json")))
            as? [String: Any])
        let scores = try #require(json["scores"] as? [String: Any])
        #expect(json["weights_year"] is NSNull && scores["challenge_metric"] is NSNull && scores["auroc"] is Double)
        #expect(result.messages.contains { $0.contains("best.nc (step \(best.globalStep), validation macro AUROC") && $0.contains("at thresholds 0.5") })
    }

    /// The check that decides which datasets a run trains on names the dataset and what the task needs: a metric
    /// the task does not compute (the Challenge metric of a class list of one's own, too), a single-label training
    /// record without a class.
    @Test func aDatasetOfAnotherTaskIsRefused() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Self.configuration(in: directory)
        configuration.selectMetric = .cinc2017
        #expect {
            _ = try TrainingRun(configuration, world: SingleProcessGroup())
        } throws: { error in
            "\(error)".contains("--select-metric cinc2017 does not apply to a multi-label task")
                && "\(error)".contains("use one of tuned-challenge, challenge, macro-auroc")
        }
        configuration = Self.configuration(in: directory)
        configuration.data = DatasetLocation(path: try Self.ownClassListDataset(in: directory).path)
        configuration.selectMetric = .tunedChallenge
        #expect {
            _ = try TrainingRun(configuration, world: SingleProcessGroup())
        } throws: { error in
            "\(error)".contains("--select-metric tuned-challenge does not apply to a multi-label task with classes 426783006")
                && "\(error)".hasSuffix("use one of macro-auroc")
        }
        configuration = Self.configuration(in: directory)
        configuration.batchSize = 0
        #expect(throws: TrainingRunError.self) { _ = try TrainingRun(configuration, world: SingleProcessGroup()) }
    }

    /// A window too short for the spectrogram networks (reflect padding of n_fft/2, one time frame after the pools) is
    /// refused by name before any model is built, instead of stopping the process in the STFT.
    @Test func aWindowTooShortForTheSpectrogramNetworksIsRefused() throws {
        let gru = ModelConfiguration.stftCNNGRU(.gru)
        // Defaults n_fft 256, hop 128, two blocks: 1 + ⌊L/128⌋ frames must survive two halvings, so L >= 3 · 128.
        #expect(gru.minimumWindowLength == 384)
        #expect(ModelConfiguration.stftCNNLSTM(SpectrogramRecurrentConfiguration(nFFT: 512, hop: 16, widths: [8],
                                                                                 batchNorm: true, dropout: 0))
                    .minimumWindowLength == 257)
        #expect(ModelConfiguration.resnet34.minimumWindowLength == 64)
        var configuration = TrainingRunConfiguration()
        configuration.model = gru
        configuration.windowLength = 383
        #expect {
            try configuration.validate()
        } throws: { error in
            "\(error)".contains("--length must be at least 384 samples for stft-cnn-gru (got 383)")
        }
        configuration.windowLength = 384
        try configuration.validate()
    }
}
