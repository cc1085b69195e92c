import DistTensor
import Foundation

/// `--search` values: every combination of the lists, independent random draws, or the tree-structured Parzen estimator.
public enum SweepSearchKind: String, CaseIterable, Sendable, Codable {
    case grid, random, tpe
}

/// A finished trial as the search sees it: its values and validation metric (higher is better; failed trials count as
/// the worst, `-infinity`).
public struct SweepObservation: Sendable {
    public let values: [String: SweepValue]
    public let metric: Double

    public init(values: [String: SweepValue], metric: Double) {
        self.values = values
        self.metric = metric
    }
}

/// Proposes the configuration of each trial, seeded: trial `index` of the same search with the same observations gets
/// the same values.
///
/// TPE follows Bergstra et al., "Algorithms for Hyper-Parameter Optimization" (NeurIPS 2011), as HyperOpt does it: after
/// `startupTrials` random ones, the finished trials are split into the best `ceil(gamma * sqrt(n))` ("good") and the
/// rest; each parameter gets a Parzen estimator of the good values, l(x), and of the others, g(x) (a truncated normal
/// per observation with a width from its neighbours, plus one wide prior component; smoothed frequencies for lists);
/// `candidates` values are drawn from l and the one with the largest l(x) / g(x), the expected-improvement criterion,
/// is taken. Parameters are modelled independently, as in HyperOpt.
public struct SweepSearch: Sendable {
    public let space: SweepSpace
    public let kind: SweepSearchKind
    public let seed: UInt64
    public var startupTrials: Int
    public var gamma = 0.25
    public var candidates = 24

    public init(space: SweepSpace, kind: SweepSearchKind, seed: UInt64, startupTrials: Int = 5) {
        self.space = space
        self.kind = kind
        self.seed = seed
        self.startupTrials = startupTrials
    }

    /// The values of trial `index` (0-based) given the trials finished so far.
    public func suggest(index: Int, observations: [SweepObservation]) throws(SweepError) -> [String: SweepValue] {
        var random = RandomStream(seed: seed, UInt64(index), 0x5357_4545_5000)
        switch kind {
        case .grid:
            let grid = try space.grid()
            guard index < grid.count else { throw .invalidSetting("the grid has \(grid.count) trials; trial \(index + 1) does not exist") }
            return grid[index]
        case .random:
            return space.parameters.reduce(into: [:]) { $0[$1.name] = Self.draw($1.domain, &random) }
        case .tpe:
            guard observations.count >= startupTrials else {
                return space.parameters.reduce(into: [:]) { $0[$1.name] = Self.draw($1.domain, &random) }
            }
            let ranked = observations.sorted { $0.metric > $1.metric }
            let goodCount = max(1, Int((gamma * Double(ranked.count).squareRoot()).rounded(.up)))
            let good = ranked.prefix(goodCount), bad = ranked.dropFirst(goodCount)
            var values: [String: SweepValue] = [:]
            for parameter in space.parameters {
                values[parameter.name] = proposal(parameter, good: good.compactMap { $0.values[parameter.name] },
                                                  bad: bad.compactMap { $0.values[parameter.name] }, random: &random)
            }
            return values
        }
    }

    /// One parameter's TPE proposal: the candidate drawn from l with the largest log l − log g.
    private func proposal(_ parameter: SweepSpace.Parameter, good: [SweepValue], bad: [SweepValue],
                          random: inout RandomStream) -> SweepValue {
        switch parameter.domain {
        case let .choice(options):
            let l = Self.frequencies(of: good, over: options), g = Self.frequencies(of: bad, over: options)
            var best = 0, bestScore = -Double.infinity
            for _ in 0..<candidates {
                let candidate = Self.pick(l, &random)
                let score = log(l[candidate]) - log(g[candidate])
                if score > bestScore { (best, bestScore) = (candidate, score) }
            }
            return options[best]
        case let .uniform(range), let .logUniform(range):
            let logarithmic = if case .logUniform = parameter.domain { true } else { false }
            let transform: (Double) -> Double = logarithmic ? { log($0) } : { $0 }
            let bounds = transform(range.lowerBound)...transform(range.upperBound)
            let l = ParzenEstimator(points: good.compactMap(\.numeric).map(transform), bounds: bounds)
            let g = ParzenEstimator(points: bad.compactMap(\.numeric).map(transform), bounds: bounds)
            let x = best(l: l, g: g, random: &random)
            return .number(logarithmic ? min(max(exp(x), range.lowerBound), range.upperBound) : x)
        case let .integer(range):
            let bounds = (Double(range.lowerBound) - 0.5)...(Double(range.upperBound) + 0.5)
            let l = ParzenEstimator(points: good.compactMap(\.numeric), bounds: bounds)
            let g = ParzenEstimator(points: bad.compactMap(\.numeric), bounds: bounds)
            return .integer(min(max(Int(best(l: l, g: g, random: &random).rounded()), range.lowerBound), range.upperBound))
        }
    }

    private func best(l: ParzenEstimator, g: ParzenEstimator, random: inout RandomStream) -> Double {
        var best = l.sample(&random), bestScore = -Double.infinity
        for _ in 0..<candidates {
            let candidate = l.sample(&random)
            let score = l.logDensity(candidate) - g.logDensity(candidate)
            if score > bestScore { (best, bestScore) = (candidate, score) }
        }
        return best
    }

    /// Category probabilities: counts plus one (a uniform prior worth one observation per category), normalised.
    private static func frequencies(of values: [SweepValue], over options: [SweepValue]) -> [Double] {
        let counts = options.map { option in Double(values.filter { $0 == option }.count) + 1 }
        let total = counts.reduce(0, +)
        return counts.map { $0 / total }
    }

    private static func pick(_ probabilities: [Double], _ random: inout RandomStream) -> Int {
        var u = uniform(&random)
        for (index, p) in probabilities.enumerated() {
            u -= p
            if u < 0 { return index }
        }
        return probabilities.count - 1
    }

    /// A uniform draw in [0, 1) with 53 random bits.
    static func uniform(_ random: inout RandomStream) -> Double { Double(random.next() >> 11) * 0x1p-53 }

    /// A random value of `domain` (random search, and TPE's start-up trials).
    static func draw(_ domain: SweepSpace.Domain, _ random: inout RandomStream) -> SweepValue {
        let u = uniform(&random)
        switch domain {
        case let .choice(options): return options[min(options.count - 1, Int(u * Double(options.count)))]
        case let .uniform(range): return .number(range.lowerBound + u * (range.upperBound - range.lowerBound))
        case let .logUniform(range):
            return .number(min(range.upperBound, exp(log(range.lowerBound) + u * (log(range.upperBound) - log(range.lowerBound)))))
        case let .integer(range):
            return .integer(min(range.upperBound, range.lowerBound + Int(u * Double(range.count))))
        }
    }
}

/// HyperOpt's adaptive Parzen estimator on an interval: a truncated normal at every observation, as wide as the larger
/// gap to its sorted neighbours (clipped to [interval / min(100, n + 1), interval]), plus a prior component at the
/// interval's middle as wide as the interval; equal weights.
struct ParzenEstimator {
    let bounds: ClosedRange<Double>
    private(set) var means: [Double] = []
    private(set) var widths: [Double] = []

    init(points: [Double], bounds: ClosedRange<Double>) {
        self.bounds = bounds
        let span = bounds.upperBound - bounds.lowerBound
        let prior = (bounds.lowerBound + bounds.upperBound) / 2
        let sorted = (points + [prior]).sorted()
        let narrowest = span / Double(min(100, sorted.count + 1))
        for (index, mean) in sorted.enumerated() {
            let left = index > 0 ? mean - sorted[index - 1] : 0
            let right = index + 1 < sorted.count ? sorted[index + 1] - mean : 0
            means.append(mean)
            widths.append(min(max(max(left, right), narrowest), span))
        }
        // The prior component keeps the whole interval's width.
        if let index = means.firstIndex(of: prior) { widths[index] = span }
    }

    /// A draw: a component chosen uniformly, then its normal redrawn until it falls inside the interval.
    func sample(_ random: inout RandomStream) -> Double {
        let component = min(means.count - 1, Int(SweepSearch.uniform(&random) * Double(means.count)))
        for _ in 0..<64 {
            let x = means[component] + widths[component] * random.nextNormal()
            if bounds.contains(x) { return x }
        }
        return min(max(means[component], bounds.lowerBound), bounds.upperBound)
    }

    /// log of the mixture's density at `x`, each component renormalised to the interval.
    func logDensity(_ x: Double) -> Double {
        var density = 0.0
        for (mean, width) in zip(means, widths) {
            let z = (x - mean) / width
            let mass = Self.normalCDF((bounds.upperBound - mean) / width) - Self.normalCDF((bounds.lowerBound - mean) / width)
            density += exp(-0.5 * z * z) / (width * (2 * Double.pi).squareRoot() * max(mass, 1e-12))
        }
        return log(max(density / Double(means.count), 1e-300))
    }

    private static func normalCDF(_ z: Double) -> Double { 0.5 * (1 + erf(z / 2.0.squareRoot())) }
}
