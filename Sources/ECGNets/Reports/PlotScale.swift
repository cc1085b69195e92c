import Foundation

/// A linear map from data values to drawing coordinates, with "nice" tick values (1, 2 or 5 × 10ⁿ apart)
/// covering the data.
struct PlotScale {
    let domain: ClosedRange<Double>
    let range: (start: Double, end: Double)
    let ticks: [Double]

    /// A scale over the finite `values` (or `fallback` if none), widened to nice tick values, mapped onto
    /// `range`; `about` tick intervals are aimed at.
    init(values: [Double], fallback: ClosedRange<Double>, range: (start: Double, end: Double), about: Int = 5) {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? fallback.lowerBound
        var high = finite.max() ?? fallback.upperBound
        if high - low < 1e-12 {
            let pad = max(abs(low) * 0.1, 0.5)
            low -= pad
            high += pad
        }
        let step = Self.niceStep((high - low) / Double(max(about, 1)))
        let first = (low / step).rounded(.down) * step
        let last = (high / step).rounded(.up) * step
        let count = Int(((last - first) / step).rounded()) + 1
        ticks = (0..<count).map { first + Double($0) * step }
        domain = first...last
        self.range = range
    }

    /// The drawing coordinate of `value`.
    func position(_ value: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        return range.start + (value - domain.lowerBound) / span * (range.end - range.start)
    }

    /// The tick label of `value`, with as many decimals as the tick spacing needs.
    func label(_ value: Double) -> String {
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(decimals)f", abs(value) < step * 1e-9 ? 0 : value)
    }

    /// The smallest of 1, 2, 5 × 10ⁿ at least `raw`.
    private static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for multiple in [1.0, 2, 5, 10] where multiple * magnitude >= raw * (1 - 1e-9) {
            return multiple * magnitude
        }
        return 10 * magnitude
    }
}
