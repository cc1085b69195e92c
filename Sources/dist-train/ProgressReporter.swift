import ArgumentParser
import ECGNets
import Foundation

/// How rank 0 shows progress: `bar` redraws one line, `lines` prints a line per step, `auto` picks.
enum ProgressStyle: String, CaseIterable, ExpressibleByArgument {
    case auto, bar, lines

    /// `auto` means a bar only when the output reaches a terminal, outside a Slurm job. Open MPI hands
    /// every rank a pseudo-terminal even when mpirun's own output goes to a file, so under mpirun the
    /// question is asked of the launcher (the rank's parent process) instead.
    var drawsBar: Bool {
        switch self {
        case .bar: return true
        case .lines: return false
        case .auto:
            let environment = ProcessInfo.processInfo.environment
            guard environment["SLURM_JOB_ID"] == nil, (environment["TERM"] ?? "dumb") != "dumb" else { return false }
            guard environment["OMPI_COMM_WORLD_SIZE"] != nil else { return isatty(STDOUT_FILENO) != 0 }
            let launcherOutput = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(getppid())/fd/1")) ?? ""
            return launcherOutput.hasPrefix("/dev/pts/") || launcherOutput.hasPrefix("/dev/tty")
        }
    }
}

/// Rank 0's view of training for a person: a live progress bar on a terminal, one plain line per
/// step in a log file or a batch job.
struct ProgressReporter {
    let totalSteps: Int
    let stepsPerEpoch: Int
    /// Steps done before this process started (a resumed run), left out of the rate behind the ETA.
    let startingStep: Int
    private let interactive: Bool
    private let started = Date()

    init(totalSteps: Int, stepsPerEpoch: Int, startingStep: Int = 0, style: ProgressStyle) {
        self.totalSteps = totalSteps
        self.stepsPerEpoch = stepsPerEpoch
        self.startingStep = startingStep
        interactive = style.drawsBar
    }

    func show(_ report: StepReport) {
        let elapsed = Date().timeIntervalSince(started)
        let done = report.step
        let rate = Double(report.globalSamples) / max(report.computeSeconds + report.allReduceWaitSeconds, 1e-9)
        let eta = done > startingStep ? elapsed / Double(done - startingStep) * Double(totalSteps - done) : 0
        let epochStep = (done - 1) % stepsPerEpoch + 1
        let fields = "epoch \(report.epoch + 1) step \(epochStep)/\(stepsPerEpoch) (\(done)/\(totalSteps))  "
            + "loss \(String(format: "%.4f", report.loss))  \(String(format: "%.1f", rate)) samples/s  "
            + "all-reduce \(String(format: "%.0f", report.allReduceWaitSeconds * 1000)) ms  ETA \(Self.duration(eta))"
        if interactive {
            let width = 24
            let filled = min(width, width * done / max(totalSteps, 1))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let ends = done == totalSteps || report.stopRequested
            print("\r\u{1B}[2K▕\(bar)▏ \(fields)", terminator: ends ? "\n" : "")
            Console.barLineOpen = !ends
            FileHandle.standardOutput.synchronizeFile()
        } else {
            print(fields)
        }
    }

    /// `1h02m`, `3m05s` or `42s`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return String(format: "%dh%02dm", total / 3600, total % 3600 / 60) }
        if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return "\(total)s"
    }
}
