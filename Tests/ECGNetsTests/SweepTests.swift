import DistTensor
import ECGNets
import Foundation
import Testing

/// The sweep's pure parts: the space file, the seeded searches (TPE against random search on an objective whose
/// answer is known), successive halving's rule, the state file and the ranked results.
struct SweepTests {
    static func space(_ json: String) throws -> SweepSpace {
        try SweepSpace(json: Data(json.utf8), file: "space.json")
    }

    @Test func spaceFileReadsListsAndRangesInNameOrder() throws {
        let space = try Self.space(#"""
            {"optimizer": ["adam", "sgd"], "lr": {"log-range": [0.0001, 0.1]}, "--dropout": {"range": [0, 0.3]},
             "batch-size": {"int-range": [8, 32]}, "sync-bn": [true, false], "widths": ["8,16,16,32"], "epochs": [2, 3.5]}
            """#)
        #expect(space.parameters.map(\.name) == ["batch-size", "dropout", "epochs", "lr", "optimizer", "sync-bn", "widths"])
        #expect(space.parameters[0].domain == .integer(8...32))
        #expect(space.parameters[1].domain == .uniform(0...0.3))
        #expect(space.parameters[2].domain == .choice([.integer(2), .number(3.5)]))
        #expect(space.parameters[3].domain == .logUniform(0.0001...0.1))
        #expect(space.parameters[5].domain == .choice([.flag(true), .flag(false)]))
        #expect(SweepValue.flag(true).arguments(option: "sync-bn") == ["--sync-bn"])
        #expect(SweepValue.flag(false).arguments(option: "sync-bn") == [])
        #expect(SweepValue.number(1e-5).arguments(option: "lr") == ["--lr", "1e-05"])
    }

    @Test(arguments: [
        (#"[1, 2]"#, "is not a JSON object"),
        (#"{}"#, "names no parameter"),
        (#"{"lr": []}"#, "lr: the list of values is empty"),
        (#"{"lr": {"log-range": [0, 1]}}"#, "log-range needs positive bounds"),
        (#"{"lr": {"range": [1, 1]}}"#, "low < high"),
        (#"{"lr": {"cube": [1, 2]}}"#, "\"cube\" is not range, log-range or int-range"),
        (#"{"epochs": {"int-range": [1, 2.5]}}"#, "whole-number bounds"),
    ])
    func badSpaceFilesAreRefusedNamingFileAndParameter(json: String, expected: String) {
        let message = Self.failure { _ = try Self.space(json) }
        #expect(message?.hasPrefix("space.json: ") == true && message?.contains(expected) == true, "\(message ?? "no error")")
    }

    /// The description of the error `body` throws, nil if it throws none.
    static func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func gridIsEveryCombinationFirstNameSlowest() throws {
        let space = try Self.space(#"{"optimizer": ["adam", "sgd"], "lr": [0.001, 0.01, 0.1]}"#)
        let grid = try space.grid()
        #expect(grid.count == 6)
        #expect(grid[0] == ["lr": .number(0.001), "optimizer": .text("adam")])
        #expect(grid[1] == ["lr": .number(0.001), "optimizer": .text("sgd")])
        #expect(grid[5] == ["lr": .number(0.1), "optimizer": .text("sgd")])
        #expect(throws: SweepError.self) { try Self.space(#"{"lr": {"range": [0, 1]}}"#).grid() }
    }

    @Test func randomSearchIsSeededAndInsideTheSpace() throws {
        let space = try Self.space(#"{"lr": {"log-range": [0.0001, 0.1]}, "batch-size": {"int-range": [8, 12]}, "optimizer": ["adam", "sgd"]}"#)
        let search = SweepSearch(space: space, kind: .random, seed: 7)
        let first = try (0..<40).map { try search.suggest(index: $0, observations: []) }
        #expect(first == (try (0..<40).map { try search.suggest(index: $0, observations: []) }))
        #expect(first != (try (0..<40).map { try SweepSearch(space: space, kind: .random, seed: 8).suggest(index: $0, observations: []) }))
        let lrs = first.compactMap { $0["lr"]?.numeric }, sizes = first.compactMap { $0["batch-size"]?.numeric }
        #expect(lrs.allSatisfy { (0.0001...0.1).contains($0) } && lrs.contains { $0 < 0.001 } && lrs.contains { $0 > 0.01 })
        #expect(Set(sizes) == [8, 9, 10, 11, 12])
        #expect(Set(first.compactMap { $0["optimizer"] }) == [.text("adam"), .text("sgd")])
    }

    /// A cheap objective with a known answer: the "validation metric" of a learning rate, a dropout and an optimizer,
    /// best (0) at lr 10^-2.5, dropout 0.1 and adam.
    static func objective(_ values: [String: SweepValue]) -> Double {
        let lr = values["lr"]?.numeric ?? 1
        // Parameters the space leaves out cost nothing, so the optimum is 0 in every space.
        let dropout = values["dropout"]?.numeric ?? 0.1
        let optimizer = values["optimizer"].map { $0 == .text("adam") ? 0.0 : 0.5 } ?? 0
        return -(pow(log10(lr) + 2.5, 2) + 10 * pow(dropout - 0.1, 2) + optimizer)
    }

    /// The best objective a search finds in `budget` trials, each trial seeing every earlier one finished (one group).
    static func best(_ kind: SweepSearchKind, seed: UInt64, budget: Int, space: SweepSpace) throws -> Double {
        let search = SweepSearch(space: space, kind: kind, seed: seed, startupTrials: 5)
        var observations: [SweepObservation] = []
        for index in 0..<budget {
            let values = try search.suggest(index: index, observations: observations)
            observations.append(SweepObservation(values: values, metric: objective(values)))
        }
        return observations.map(\.metric).max() ?? -.infinity
    }

    /// Must-hold 4 (library part): over 20 seeds and 25 trials each (5 of them random start-up trials), TPE's best is
    /// closer to the known optimum (0) than random search's with the same budget and seed, on the issue's example (a
    /// learning rate alone) and on three parameters (learning rate, dropout, optimizer). Measured: mean regret 0.0045
    /// vs 0.0102 (2.3x less; TPE better in 12 seeds, random in 7) and 0.228 vs 0.307 (1.34x; 13 vs 7); asserted: a
    /// lower mean regret and more wins than losses in both.
    @Test(arguments: [
        #"{"lr": {"log-range": [0.00001, 1]}}"#,
        #"{"lr": {"log-range": [0.00001, 1]}, "dropout": {"range": [0, 0.5]}, "optimizer": ["adam", "sgd", "adamw"]}"#,
    ])
    func tpeBeatsRandomSearchWithTheSameBudget(space json: String) throws {
        let space = try Self.space(json)
        var tpeRegret = 0.0, randomRegret = 0.0, tpeWins = 0, randomWins = 0
        for seed in 0..<20 as Range<UInt64> {
            let tpe = -(try Self.best(.tpe, seed: seed, budget: 25, space: space))
            let random = -(try Self.best(.random, seed: seed, budget: 25, space: space))
            tpeRegret += tpe / 20
            randomRegret += random / 20
            if tpe < random { tpeWins += 1 }
            if random < tpe { randomWins += 1 }
        }
        print("SweepTests: \(space.parameters.map(\.name)): mean regret over 20 seeds of 25 trials: TPE \(tpeRegret), random "
              + "\(randomRegret) (\(randomRegret / tpeRegret)x); TPE better in \(tpeWins), random in \(randomWins)")
        #expect(tpeRegret < randomRegret, "TPE \(tpeRegret), random \(randomRegret)")
        #expect(tpeWins > randomWins, "TPE better in \(tpeWins), random in \(randomWins)")
    }

    @Test func tpeProposalsAreSeededAndInsideTheSpace() throws {
        let space = try Self.space(#"{"lr": {"log-range": [0.00001, 1]}, "batch-size": {"int-range": [8, 12]}}"#)
        let search = SweepSearch(space: space, kind: .tpe, seed: 3, startupTrials: 3)
        let observations = try (0..<8).map { index in
            let values = try search.suggest(index: index, observations: [])
            return SweepObservation(values: values, metric: index == 2 ? -.infinity : Self.objective(values))
        }
        let proposal = try search.suggest(index: 8, observations: observations)
        #expect(proposal == (try search.suggest(index: 8, observations: observations)))
        #expect((0.00001...1).contains(proposal["lr"]?.numeric ?? -1))
        #expect((8...12).contains(Int(proposal["batch-size"]?.numeric ?? -1)))
    }

    @Test func successiveHalvingRungsAndPromotions() throws {
        let halving = try SuccessiveHalving(minSteps: 4, eta: 3)
        #expect(halving.rung(atOrBelow: 3, totalSteps: 100) == nil)
        #expect(halving.rung(atOrBelow: 4, totalSteps: 100) == 4)
        #expect(halving.rung(atOrBelow: 11, totalSteps: 100) == 4)
        #expect(halving.rung(atOrBelow: 12, totalSteps: 100) == 12)
        #expect(halving.rung(atOrBelow: 40, totalSteps: 36) == 12, "no rung at or after the run's end")
        // The first at a rung goes on; then about the top third.
        #expect(halving.promotes(0.2, recorded: [0.2]))
        #expect(!halving.promotes(0.1, recorded: [0.2, 0.1]))
        #expect(halving.promotes(0.3, recorded: [0.2, 0.1, 0.3]))
        #expect(!halving.promotes(0.25, recorded: [0.2, 0.1, 0.3, 0.4, 0.25]), "cutoff 0.2833 (numpy's 66.7th percentile)")
        #expect(halving.promotes(0.3, recorded: [0.2, 0.1, 0.3, 0.4, 0.25]))
        #expect(!halving.promotes(.nan, recorded: [.nan]))
        #expect(throws: SweepError.self) { try SuccessiveHalving(minSteps: 0, eta: 3) }
        #expect(throws: SweepError.self) { try SuccessiveHalving(minSteps: 4, eta: 1) }
    }

    /// With two groups, TPE's proposal for trial 7 is conditioned on trials 0-5 and on nothing else: it waits while
    /// trial 3 still runs though trials 4-6 ended, and then sees the same trials whichever ended first. A rung decision
    /// of trial 3 is compared with trials 0-2 at that rung, not with trial 5, which got there first, and waits while
    /// trial 1 runs short of the rung (a failed trial 2 without the rung does not hold it up).
    @Test func proposalsAndRungDecisionsDoNotDependOnWhichTrialEndsFirst() throws {
        func trial(_ id: Int, _ status: SweepTrial.Status, rung: Double? = nil) -> SweepTrial {
            var trial = SweepTrial(id: id, values: ["lr": .number(Double(id) / 100)], status: status)
            trial.metric = status == .completed ? Double(id) / 10 : nil
            if let rung { trial.rungs["4"] = SweepTrial.Rung(metric: rung, promoted: true) }
            return trial
        }
        var state = SweepState(identity: "A")
        state.trials = [trial(0, .completed), trial(1, .completed), trial(2, .failed), trial(3, .running),
                        trial(4, .completed), trial(5, .stoppedEarly), trial(6, .completed)]
        #expect(state.observations(forTrial: 7, groups: 2) == nil, "trial 3 still runs")
        #expect(state.observations(forTrial: 4, groups: 2)?.map(\.values) == (0..<3).map { ["lr": .number(Double($0) / 100)] })
        state.trials[3] = trial(3, .completed)
        let observed = try #require(state.observations(forTrial: 7, groups: 2))
        #expect(observed.map(\.values) == (0..<6).map { ["lr": .number(Double($0) / 100)] })
        #expect(observed.map(\.metric) == [0, 0.1, -.infinity, 0.3, 0.4, -.infinity], "a trial without a metric is the worst")
        #expect(state.observations(forTrial: 7, groups: 1)?.count == 7, "one group: every trial before it")

        state.trials = [trial(0, .completed, rung: 0.5), trial(1, .running), trial(2, .failed), trial(3, .running),
                        trial(4, .running), trial(5, .running, rung: 0.9)]
        #expect(state.rungMetrics(beforeTrial: 3, step: "4") == nil, "trial 1 has not reached the rung")
        #expect(state.rungMetrics(beforeTrial: 1, step: "4") == [0.5])
        state.trials[1] = trial(1, .running, rung: 0.2)
        #expect(state.rungMetrics(beforeTrial: 3, step: "4") == [0.5, 0.2], "trials 0-2 only; trial 5's 0.9 is not seen")
        #expect(state.rungMetrics(beforeTrial: 0, step: "4") == [])
    }

    @Test func stateFileRoundTripsAndRefusesAnotherSweep() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var state = try SweepState.load(from: directory, identity: "A")
        #expect(state.trials.isEmpty)
        var trial = SweepTrial(id: 0, values: ["lr": .number(0.001), "optimizer": .text("sgd")], status: .stoppedEarly)
        trial.metric = 0.25
        trial.rungs["4"] = SweepTrial.Rung(metric: .nan, promoted: false)
        state.trials = [trial, SweepTrial(id: 1, values: ["lr": .number(0.01)], status: .running)]
        try state.save(in: directory)
        let loaded = try SweepState.load(from: directory, identity: "A")
        #expect(loaded.trials[0].values == trial.values && loaded.trials[0].status == .stoppedEarly && loaded.trials[1] == state.trials[1])
        #expect(loaded.trials[0].rungs["4"]?.metric.isNaN == true)
        #expect(String(decoding: try Data(contentsOf: SweepState.url(in: directory)), as: UTF8.self).contains(#""lr" : 0.001"#))
        let message = Self.failure { _ = try SweepState.load(from: directory, identity: "B") }
        #expect(message?.contains("belongs to another sweep") == true && message?.contains("sweep-state.json") == true, "\(message ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["sweep-state.json"], "no temporary left")
    }

    @Test func resultsRankTrialsAndExplainTheMetric() throws {
        let space = try Self.space(#"{"optimizer": ["adam", "sgd"], "lr": {"log-range": [0.0001, 0.1]}}"#)
        var state = SweepState(identity: "x")
        let rows: [(String, Double, Double?, SweepTrial.Status)] = [
            ("adam", 0.001, 0.5, .completed), ("sgd", 0.01, 0.2, .completed), ("adam", 0.1, 0.45, .completed),
            ("sgd", 0.0001, nil, .failed), ("sgd", 0.001, 0.1, .stoppedEarly)]
        for (id, (optimizer, lr, metric, status)) in rows.enumerated() {
            var trial = SweepTrial(id: id, values: ["optimizer": .text(optimizer), "lr": .number(lr)], status: status)
            trial.metric = metric
            trial.metricName = "macro-auroc"
            trial.message = status == .failed ? "training diverged, at step 2" : nil
            state.trials.append(trial)
        }
        let results = SweepResults(state: state, space: space)
        #expect(results.trials.map(\.id) == [0, 2, 1, 4, 3])
        #expect(results.best?.id == 0)
        #expect(results.importance.first?.name == "optimizer", "\(results.importance)")
        let lines = results.table.split(separator: "\n")
        #expect(lines[0].hasPrefix("rank  trial  macro-auroc  status"))
        #expect(lines[4].contains("stopped early") && lines[5].contains("failed") && lines[5].hasSuffix("training diverged, at step 2"))
        #expect(results.csv.contains("\"training diverged, at step 2\""))
        #expect(results.svg.xml.components(separatedBy: "<circle").count - 1 == 4 * 2, "4 scored trials in each of 2 panels")
        #expect(results.svg.xml.components(separatedBy: "stopped-early").count - 1 == 2)
    }
}
