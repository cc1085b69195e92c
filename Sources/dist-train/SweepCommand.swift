import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `dist-train sweep`: parses the sweep options and the base train options, and hands them to the library's `Sweep`.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Search hyper-parameters: many training runs in groups of ranks of one MPI job, with early termination.",
        discussion: """
            Every option that is not a sweep option is a train option and sets the base configuration of every trial \
            (dist-train train --help lists them); the space file sets the options it names per trial. The space is a \
            JSON object from train option name (without --) to a list of values or a range, e.g.

              {"lr": {"log-range": [0.0001, 0.01]}, "optimizer": ["adam", "sgd"], "dropout": {"range": [0, 0.3]},
               "widths": ["8,16,16,32", "16,32,32,64"], "batch-size": {"int-range": [8, 32]}, "sync-bn": [true, false]}

            Grid search runs every combination of the lists (the first name, alphabetically, varies slowest; --trials \
            takes the first N); random search draws each value independently; TPE (as HyperOpt's) draws its first \
            --tpe-startup trials at random, then models the good and the other trials and proposes where the ratio \
            is largest. All are seeded by --seed: the same command gives the same trials, whichever group is faster \
            (with G groups, TPE's trial i is conditioned on trials 0 to i-G, and waits for them to end).

            The job's ranks split into groups of --ranks-per-trial; each group runs one trial at a time as an ordinary \
            data-parallel training run with its checkpoints in <sweep-dir>/trials/trial-NNN/checkpoints. World rank 0 \
            hands out trials and, with --scheduler asha, decides at rungs of --asha-min-steps x eta^k steps whether a \
            trial goes on (the top 1/eta of it and the trials before it at that rung do, once those have reached it); \
            trials validate every \
            --asha-min-steps steps unless --validate-every says otherwise. A trial that fails (diverges, a value \
            train refuses) is recorded as failed with the reason and the sweep goes on.

            The state is kept in <sweep-dir>/sweep-state.json (rewritten atomically). SIGTERM, SIGINT or SIGUSR1 \
            stops every running trial after a checkpoint and exits with status 75; the same command continues: \
            finished trials are kept, interrupted ones resume from their checkpoints, none runs twice. Results: \
            <sweep-dir>/results.txt, .csv and .json (every trial ranked by its best validation metric, with its \
            values, steps and status), results.svg (the metric against the most important parameters) and best, a \
            link to the best trial's checkpoint directory (best/best.nc).
            """)

    @Option(help: "The search space: a JSON file of train options and their values or ranges.")
    var space: String

    @Option(help: "Trials to run (default: the whole grid; random and tpe need it).")
    var trials: Int?

    @Option(help: "Ranks of each trial's data-parallel run; the job's ranks must be a multiple.")
    var ranksPerTrial = 1

    @Option(help: "How trials are chosen: grid, random or tpe.")
    var search: SweepSearchKind = .grid

    @Option(help: "Early termination: none or asha (asynchronous successive halving).")
    var scheduler: SchedulerKind = .none

    @Option(help: "Steps of the first ASHA rung.")
    var ashaMinSteps = 10

    @Option(help: "ASHA's reduction factor: rungs at min-steps x eta^k, the top 1/eta go on.")
    var ashaEta = 3

    @Option(help: "Random trials before TPE models the results.")
    var tpeStartup = 5

    @Option(help: "Directory of the sweep's state, trials and results.")
    var sweepDir: String

    @Option(help: "Write TensorBoard event files of every trial into DIR/trial-NNN (one run per trial).")
    var tensorboard: String?

    @Argument(parsing: .allUnrecognized, help: "Train options: the base configuration of every trial.")
    var trainOptions: [String] = []

    enum SchedulerKind: String, ExpressibleByArgument, CaseIterable {
        case none, asha
    }

    func validate() throws {
        guard ranksPerTrial >= 1 else { throw ValidationError("--ranks-per-trial must be at least 1.") }
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1.") }
        do {
            _ = try TrainCommand.parse(trainOptions)
        } catch {
            throw ValidationError("the train options of the sweep: " + TrainCommand.message(for: error))
        }
        for option in ["--checkpoint-dir", "--log-dir", "--resume", "--parameters-out"] where trainOptions.contains(option) {
            throw ValidationError("\(option) is set per trial by the sweep (under --sweep-dir); leave it out.")
        }
        let parameters: SweepSpace
        do {
            parameters = try SweepSpace(contentsOf: URL(fileURLWithPath: space))
        } catch {
            throw ValidationError(error.description)
        }
        // A name train does not know is the space's mistake; a value it refuses is that trial's failure.
        for parameter in parameters.parameters {
            let sample: SweepValue = switch parameter.domain {
            case let .choice(values): values[0]
            case let .uniform(range), let .logUniform(range): .number(range.lowerBound)
            case let .integer(range): .integer(range.lowerBound)
            }
            do {
                _ = try TrainCommand.parse(trainOptions + sample.arguments(option: parameter.name))
            } catch {
                let text = TrainCommand.message(for: error)
                if text.contains("Unknown option") {
                    throw ValidationError("\(space): \(parameter.name) is not a train option (dist-train train --help lists them).")
                }
            }
        }
    }

    func run() throws {
        let world = try Communicator.world()
        let outcome: TrainingOutcome
        do {
            let base = try TrainCommand.parse(trainOptions)
            let threads = base.threading.apply(ranksOnNode: world.localSize, rank: world.rank)
            var settings = SweepSettings(space: try SweepSpace(contentsOf: URL(fileURLWithPath: space)),
                                         directory: URL(fileURLWithPath: sweepDir))
            settings.search = search
            settings.trials = trials
            settings.ranksPerTrial = ranksPerTrial
            settings.halving = scheduler == .asha ? try SuccessiveHalving(minSteps: ashaMinSteps, eta: ashaEta) : nil
            settings.startupTrials = tpeStartup
            settings.tensorBoardDirectory = tensorboard.map { URL(fileURLWithPath: $0) }
            settings.seed = base.seed
            settings.baseArguments = trainOptions
            let sweep = try Sweep(settings, world: world,
                                  events: SweepEvents(message: Console.line, stopRequest: { StopSignals.pending.map(StopSignals.name) })) {
                values in
                let trialWords = values.sorted { $0.key < $1.key }.flatMap { $0.value.arguments(option: $0.key) }
                do {
                    var configuration = try TrainCommand.parse(trainOptions + trialWords).runConfiguration(threads: threads)
                    configuration.commandLine = trainOptions + trialWords
                    return configuration
                } catch {
                    throw SweepError.invalidSetting("train refuses \(trialWords.joined(separator: " ")): " + TrainCommand.message(for: error))
                }
            }
            StopSignals.install()
            outcome = try sweep.run()
            try world.finalize()
        } catch {
            Failure.abort(world, message: "\(error)", error: error)
        }
        if case .stopped = outcome { throw ExitCode(TrainingOutcome.resumableExitStatus) }
    }
}

extension SweepSearchKind: ExpressibleByArgument {}
