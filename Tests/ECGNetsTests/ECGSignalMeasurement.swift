import Foundation

/// Measurements taken from the 12 signals alone, the way a simple ECG analysis program would take them.
///
/// It uses nothing but the samples. QRS complexes are detected on the summed absolute slope of all leads and
/// aligned on a template; a median beat of the dominant (template-matched) beats gives the QRS onset, as in
/// commercial programs; the baseline is then removed by straight lines through an isoelectric point just before
/// every dominant QRS (the knot method of Meyer and Keiser, Comput. Biomed. Res. 10:459–470, 1977) and the
/// median beat is formed again. QRS onset and end come from the spatial velocity and magnitude of the median
/// beat, the T-wave end from the tangent method (the tangent at the steepest down-slope after the T peak meets
/// the isoelectric level).
struct ECGSignalMeasurement {
    let samplingRate: Double
    /// The leads as recorded, in mV.
    let rawLeads: [[Double]]
    /// The leads with the baseline removed, in mV.
    let leads: [[Double]]
    /// Sample index of each detected QRS complex (the peak of the detection signal).
    let qrsPeaks: [Int]
    /// Indices into `qrsPeaks` of the beats whose QRS matches the dominant morphology.
    let dominantBeats: [Int]
    /// The median of the dominant beats, per lead, from `beatStart` samples before the QRS peak.
    let medianBeat: [[Double]]
    let beatStart: Int
    /// QRS onset and end in the median beat (sample indices into `medianBeat`).
    let qrsOnset: Int
    let qrsEnd: Int

    init(leads signals: [[Float]], samplingRate: Double) {
        let raw = signals.map { $0.map(Double.init) }
        let detected = Self.detectQRS(in: raw, samplingRate: samplingRate)
        let start = Int(0.5 * samplingRate)
        let length = start + Int(0.7 * samplingRate)
        let shift = Int(0.03 * samplingRate)
        let usable = detected.indices.filter {
            detected[$0] - start - shift >= 0 && detected[$0] - start + length + shift <= raw[0].count
        }

        // First pass: beats levelled at 100–150 ms before their peak and aligned on a first median beat, to find
        // the dominant beats and the QRS onset.
        let levelling = (start - Int(0.15 * samplingRate))..<(start - Int(0.1 * samplingRate))
        let unaligned = Self.sampleWiseMedian(of: usable, peaks: detected, leads: raw, start: start, length: length,
                                              levelledOver: levelling)
        let peaks = Self.aligned(detected, beats: usable, leads: raw, template: unaligned, start: start,
                                 levelling: levelling, samplingRate: samplingRate)
        let levelled = Self.sampleWiseMedian(of: usable, peaks: peaks, leads: raw, start: start, length: length,
                                             levelledOver: levelling)
        let dominant = Self.matchingBeats(usable, peaks: peaks, leads: raw, template: levelled, start: start,
                                          samplingRate: samplingRate)
        let firstBeats = dominant.isEmpty ? usable : dominant
        let firstMedian = Self.sampleWiseMedian(of: firstBeats, peaks: peaks, leads: raw, start: start,
                                                length: length, levelledOver: levelling)
        let rr = Self.median(zip(peaks.dropFirst(), peaks).map { Double($0 - $1) / samplingRate })
        let onsetOffset = Self.qrsBounds(of: firstMedian, around: start, rr: rr, samplingRate: samplingRate).onset - start

        // Second pass: the baseline through the isoelectric point 5–15 ms before every dominant QRS onset.
        let knotWindow = (onsetOffset - Int(0.015 * samplingRate))..<(onsetOffset - Int(0.005 * samplingRate))
        let knots = firstBeats.map { peaks[$0] }
        let corrected = raw.map { Self.subtractBaseline(from: $0, knots: knots, window: knotWindow) }
        let beat = Self.sampleWiseMedian(of: firstBeats, peaks: peaks, leads: corrected, start: start, length: length,
                                         levelledOver: nil)
        self.samplingRate = samplingRate
        rawLeads = raw
        leads = corrected
        qrsPeaks = peaks
        dominantBeats = firstBeats
        medianBeat = beat
        beatStart = start
        (qrsOnset, qrsEnd) = Self.qrsBounds(of: beat, around: start, rr: rr, samplingRate: samplingRate)
    }

    // MARK: Rhythm

    /// Intervals between consecutive detected QRS complexes, in seconds.
    var rrIntervals: [Double] { zip(qrsPeaks.dropFirst(), qrsPeaks).map { Double($0 - $1) / samplingRate } }

    /// 60 / mean RR, in beats per minute.
    var heartRate: Double { 60 / Self.mean(rrIntervals) }

    /// Standard deviation of the RR intervals over their mean.
    var rrCoefficientOfVariation: Double {
        let intervals = rrIntervals, average = Self.mean(intervals)
        return (intervals.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(intervals.count)).squareRoot() / average
    }

    // MARK: Median-beat intervals and amplitudes

    /// QRS duration of the median beat, in seconds.
    var qrsDuration: Double { Double(qrsEnd - qrsOnset) / samplingRate }

    /// The isoelectric level of a median-beat lead: its mean over the 10 ms that end 5 ms before QRS onset.
    func isoelectricLevel(_ lead: Int) -> Double {
        let samples = Int(0.01 * samplingRate), end = max(samples, qrsOnset - Int(0.005 * samplingRate))
        return Self.mean(Array(medianBeat[lead][(end - samples)..<end]))
    }

    /// Net QRS area of a median-beat lead above its isoelectric level, in mV·s.
    func netQRSArea(_ lead: Int) -> Double {
        let level = isoelectricLevel(lead)
        return medianBeat[lead][qrsOnset...qrsEnd].reduce(0) { $0 + $1 - level } / samplingRate
    }

    /// Frontal QRS axis in degrees from the net areas of I and aVF (hexaxial: aVF's lead is √3/2 of lead I's).
    var qrsAxis: Double {
        atan2(2 * netQRSArea(5) / 3.0.squareRoot(), netQRSArea(0)) * 180 / Double.pi
    }

    /// Peak-to-peak QRS amplitude of a median-beat lead, in mV.
    func qrsPeakToPeak(_ lead: Int) -> Double {
        let complex = medianBeat[lead][qrsOnset...qrsEnd]
        return (complex.max() ?? 0) - (complex.min() ?? 0)
    }

    /// The T wave of a median-beat lead: its signed peak (mV above the isoelectric level) and, by the tangent
    /// method, its end (sample index into `medianBeat`). The T peak is searched from 60 ms after QRS end to
    /// 0.4 median RR intervals + 120 ms after QRS onset (before the next P wave at fast rates), on the lead
    /// smoothed by a 10-ms moving average; slopes are taken over ±10 ms.
    func tWave(_ lead: Int) -> (peak: Double, end: Int) {
        let level = isoelectricLevel(lead)
        let signal = Self.movingAverage(medianBeat[lead].map { $0 - level }, width: max(1, Int(0.01 * samplingRate)))
        let step = max(1, Int(0.01 * samplingRate))
        let first = qrsEnd + Int(0.06 * samplingRate)
        let last = min(signal.count - 1 - step, qrsOnset + Int((0.4 * Self.median(rrIntervals) + 0.12) * samplingRate))
        guard first < last else { return (0, first) }
        let peakIndex = (first...last).max { abs(signal[$0]) < abs(signal[$1]) } ?? first
        let sign = signal[peakIndex] >= 0 ? 1.0 : -1.0
        // Steepest slope back towards the baseline on the T wave's descending limb: within 150 ms after the
        // peak while the wave is still above 10 % of its peak (not on a following P wave).
        let stop = min(signal.count - 1 - step, peakIndex + Int(0.15 * samplingRate))
        var steepest = peakIndex, steepestSlope = 0.0
        for index in peakIndex...stop {
            if sign * signal[index] < 0.1 * abs(signal[peakIndex]) { break }
            let rise: Double = signal[index + step] - signal[index - step]
            let slope = -sign * rise / Double(2 * step)
            if slope > steepestSlope { steepestSlope = slope; steepest = index }
        }
        guard steepestSlope > 0 else { return (signal[peakIndex], peakIndex) }
        let end = Double(steepest) + sign * signal[steepest] / steepestSlope
        return (signal[peakIndex], Int(end.rounded()))
    }

    /// QT interval of the lead with the largest T wave, in seconds.
    var qtInterval: Double {
        let lead = (0..<12).max { abs(tWave($0).peak) < abs(tWave($1).peak) } ?? 1
        return Double(tWave(lead).end - qrsOnset) / samplingRate
    }

    /// PR interval (P onset to QRS onset) of the median beat in lead II, in seconds. The P wave is the largest
    /// deflection of lead II (after a 20-ms moving average) from 300 to 40 ms before QRS onset; its onset is
    /// where, walking back from that peak, the deflection falls below 10 % of the peak, or below 30 % and rises
    /// again (the valley before the tail of a preceding T wave).
    var prInterval: Double {
        let signal = Self.movingAverage(medianBeat[1], width: max(1, Int(0.02 * samplingRate)))
        let level = isoelectricLevel(1)
        let window = max(0, qrsOnset - Int(0.3 * samplingRate))...(qrsOnset - Int(0.04 * samplingRate))
        guard let peak = window.max(by: { abs(signal[$0] - level) < abs(signal[$1] - level) }) else { return .nan }
        let height = abs(signal[peak] - level)
        var onset = peak
        while onset > 0 && abs(signal[onset] - level) >= 0.1 * height {
            let here = abs(signal[onset] - level), before = abs(signal[onset - 1] - level)
            if here < 0.3 * height && before > here { break }
            onset -= 1
        }
        return Double(qrsOnset - onset) / samplingRate
    }

    /// How much of the activity in the 330 ms before QRS onset (leads II and V1) is time-locked to the QRS:
    /// the energy of the average segment over the mean energy of single segments, each segment taken from the
    /// recorded signal after a 20-ms moving average (against muscle noise) with its straight-line trend
    /// removed. Near 1 when every beat has the same P wave; near 1/beats when what precedes the QRS varies from
    /// beat to beat (fibrillatory waves).
    var preQRSCoherence: Double {
        let onsetOffset = qrsOnset - beatStart
        let first = Int(-0.35 * samplingRate), last = Int(-0.02 * samplingRate)
        let beats = dominantBeats.filter { qrsPeaks[$0] + onsetOffset + first >= 0 }
        guard beats.count > 1 else { return .nan }
        var templateEnergy = 0.0, singleEnergy = 0.0
        for lead in [1, 6] {
            let smooth = Self.movingAverage(rawLeads[lead], width: max(1, Int(0.02 * samplingRate)))
            let segments = beats.map { beat in
                Self.detrended(Array(smooth[(qrsPeaks[beat] + onsetOffset + first)...(qrsPeaks[beat] + onsetOffset + last)]))
            }
            for index in segments[0].indices {
                let average = segments.reduce(0) { $0 + $1[index] } / Double(segments.count)
                templateEnergy += average * average
                singleEnergy += segments.reduce(0) { $0 + $1[index] * $1[index] } / Double(segments.count)
            }
        }
        return templateEnergy / singleEnergy
    }

    /// `values` minus their least-squares straight line.
    static func detrended(_ values: [Double]) -> [Double] {
        let count = Double(values.count)
        let meanIndex = (count - 1) / 2, meanValue = Self.mean(values)
        var covariance = 0.0, variance = 0.0
        for (index, value) in values.enumerated() {
            covariance += (Double(index) - meanIndex) * (value - meanValue)
            variance += (Double(index) - meanIndex) * (Double(index) - meanIndex)
        }
        let slope = variance > 0 ? covariance / variance : 0
        return values.enumerated().map { $1 - meanValue - slope * (Double($0) - meanIndex) }
    }

    /// QRS onset of every detected beat (sample index into the record): the median beat's onset for dominant
    /// beats, the beat's own (`qrsBounds(ofBeat:)`) for the others; nil where a beat is too close to the ends.
    var qrsOnsets: [Int?] {
        let dominant = Set(dominantBeats)
        return qrsPeaks.indices.map { beat in
            dominant.contains(beat) ? qrsPeaks[beat] + qrsOnset - beatStart : qrsBounds(ofBeat: beat)?.onset
        }
    }

    /// QRS onset (sample index into the record) and duration (seconds) of one detected beat, from its own
    /// spatial velocity rather than the median beat's; nil for a beat too close to the record's ends.
    func qrsBounds(ofBeat beat: Int) -> (onset: Int, duration: Double)? {
        let before = Int(0.2 * samplingRate)
        let start = qrsPeaks[beat] - before, length = before + Int(0.4 * samplingRate)
        guard start >= 0, start + length <= leads[0].count else { return nil }
        let segment = leads.map { Array($0[start..<(start + length)]) }
        let (onset, end) = Self.qrsBounds(of: segment, around: before, rr: Self.median(rrIntervals), samplingRate: samplingRate)
        return (start + onset, Double(end - onset) / samplingRate)
    }

    // MARK: Steps

    /// `signal` minus a baseline that runs in straight lines between knots (constant beyond the first and last):
    /// each knot is the signal's mean over `window` relative to a QRS peak in `knots`.
    static func subtractBaseline(from signal: [Double], knots: [Int], window: Range<Int>) -> [Double] {
        let points: [(index: Double, level: Double)] = knots.compactMap { peak in
            let range = (peak + window.lowerBound)..<(peak + window.upperBound)
            guard range.lowerBound >= 0, range.upperBound <= signal.count, !range.isEmpty else { return nil }
            return (Double(peak) + Double(window.lowerBound + window.upperBound) / 2, Self.mean(Array(signal[range])))
        }
        guard let first = points.first, let last = points.last else { return signal }
        var segment = 0
        return signal.indices.map { index in
            let time = Double(index)
            if time <= first.index { return signal[index] - first.level }
            if time >= last.index { return signal[index] - last.level }
            while points[segment + 1].index < time { segment += 1 }
            let (left, right) = (points[segment], points[segment + 1])
            let fraction = (time - left.index) / (right.index - left.index)
            return signal[index] - (left.level + fraction * (right.level - left.level))
        }
    }

    /// `peaks` with each of `beats` moved by up to ±30 ms to where its QRS (±50 ms, levelled like `template`)
    /// best matches `template` (largest cross-product summed over all leads).
    static func aligned(_ peaks: [Int], beats: [Int], leads: [[Double]], template: [[Double]], start: Int,
                        levelling: Range<Int>, samplingRate: Double) -> [Int] {
        let reach = Int(0.05 * samplingRate), shift = Int(0.03 * samplingRate)
        var result = peaks
        for beat in beats {
            var bestScore = -Double.infinity
            for candidate in (peaks[beat] - shift)...(peaks[beat] + shift) {
                var score = 0.0
                for (lead, reference) in zip(leads, template) {
                    let level = Self.mean(levelling.map { lead[candidate - start + $0] })
                    for offset in -reach...reach { score += (lead[candidate + offset] - level) * reference[start + offset] }
                }
                if score > bestScore { bestScore = score; result[beat] = candidate }
            }
        }
        return result
    }

    /// The beats among `beats` whose QRS slopes (differences over ±4 ms, ±50 ms around the peak, all leads)
    /// correlate with those of `template` above 0.8, or above 0.8 times the median beat's correlation when noise
    /// or fibrillatory waves lower them all: the dominant morphology, without premature ventricular beats.
    /// Slopes rather than amplitudes, so that slow waves riding on the QRS (f waves, wander) do not decide.
    static func matchingBeats(_ beats: [Int], peaks: [Int], leads: [[Double]], template: [[Double]], start: Int,
                              samplingRate: Double) -> [Int] {
        let reach = Int(0.05 * samplingRate), step = max(1, Int(0.004 * samplingRate))
        let correlations = beats.map { beat in
            var product = 0.0, beatEnergy = 0.0, templateEnergy = 0.0
            for (lead, reference) in zip(leads, template) {
                for offset in -reach...reach {
                    let slope = lead[peaks[beat] + offset + step] - lead[peaks[beat] + offset - step]
                    let expected = reference[start + offset + step] - reference[start + offset - step]
                    product += slope * expected
                    beatEnergy += slope * slope
                    templateEnergy += expected * expected
                }
            }
            return product / (beatEnergy * templateEnergy).squareRoot()
        }
        let threshold = min(0.8, 0.8 * Self.median(correlations))
        return zip(beats, correlations).filter { $0.1 > threshold }.map(\.0)
    }

    /// QRS complexes: the summed absolute slope of all leads (after two 25-ms moving averages, a low-pass that
    /// keeps the QRS's 5–15 Hz and suppresses muscle noise), integrated over 80 ms; peaks above 30 % of its 98th
    /// percentile, at least 250 ms apart (the larger peak wins). As in Pan and Tompkins (IEEE Trans. Biomed.
    /// Eng. 32:230–236, 1985), a peak soon after the previous one (here within 500 ms, or of the record's start)
    /// with less than 40 % of the size of a typical complex (the median of the larger half of the peaks) is taken
    /// for a T wave and dropped. Peaks within 200 ms of either end of the record (whose complexes may be cut)
    /// are not reported.
    static func detectQRS(in leads: [[Double]], samplingRate: Double) -> [Int] {
        let count = leads[0].count
        let smoothing = max(1, Int(0.025 * samplingRate))
        var slope = [Double](repeating: 0, count: count)
        for lead in leads {
            let smooth = movingAverage(movingAverage(lead, width: smoothing), width: smoothing)
            for index in 1..<(count - 1) { slope[index] += abs(smooth[index + 1] - smooth[index - 1]) }
        }
        let integrated = movingAverage(slope, width: Int(0.08 * samplingRate))
        let threshold = 0.3 * integrated.sorted()[Int(0.98 * Double(count - 1))]
        let refractory = Int(0.25 * samplingRate), tWaveReach = Int(0.5 * samplingRate)
        let edge = Int(0.2 * samplingRate)
        var candidates: [Int] = []
        for index in 1..<(count - 1) where integrated[index] > threshold
            && integrated[index] >= integrated[index - 1] && integrated[index] > integrated[index + 1] {
            if let last = candidates.last, index - last < refractory {
                if integrated[index] > integrated[last] { candidates[candidates.count - 1] = index }
            } else {
                candidates.append(index)
            }
        }
        // A typical complex: the median of the larger half of the candidates (T waves, if picked up with
        // every beat, make up the smaller half).
        let heights = candidates.map { integrated[$0] }.sorted()
        let typical = Self.median(Array(heights[(heights.count / 2)...]))
        var peaks: [Int] = []
        for candidate in candidates {
            // The first candidate may be the T wave of a complex before the record.
            let follows = peaks.last.map { candidate - $0 < tWaveReach } ?? (candidate < tWaveReach)
            if follows && integrated[candidate] < 0.4 * typical { continue }
            peaks.append(candidate)
        }
        return peaks.filter { $0 >= edge && $0 < count - edge }
    }

    /// Centred moving average of `width` samples.
    static func movingAverage(_ signal: [Double], width: Int) -> [Double] {
        let half = width / 2
        var prefix = [0.0]
        for value in signal { prefix.append(prefix.last! + value) }
        return signal.indices.map { index in
            let low = max(0, index - half), high = min(signal.count, index - half + width)
            return (prefix[high] - prefix[low]) / Double(high - low)
        }
    }

    /// Sample-wise median across `beats`, per lead, over `length` samples from `start` before each peak; with
    /// `levelledOver`, each beat's segment first has its mean over that range of the segment subtracted.
    static func sampleWiseMedian(of beats: [Int], peaks: [Int], leads: [[Double]], start: Int, length: Int,
                                 levelledOver levelling: Range<Int>?) -> [[Double]] {
        leads.map { lead in
            let levels = beats.map { beat in levelling.map { range in Self.mean(range.map { lead[peaks[beat] - start + $0] }) } ?? 0 }
            return (0..<length).map { offset in
                Self.median(zip(beats, levels).map { lead[peaks[$0] - start + offset] - $1 })
            }
        }
    }

    /// QRS onset and end around `peak`, from the spatial velocity (root sum of squared slopes of all leads,
    /// after a 10-ms moving average) and the spatial magnitude (root sum of squares of the baseline-corrected
    /// leads). Walking out from the fastest point within 100 ms of `peak`:
    /// - the onset is the first place where the velocity stays below 5 % of its maximum (the PR segment is
    ///   flat) and the magnitude below 40 % of its maximum (a notch is inside the QRS) for 10 ms;
    /// - the end is the first place where, for 10 ms, the velocity stays below 10 % (the ST segment already
    ///   rises towards the T wave), the magnitude below 40 % of its maximum (a notch between two large
    ///   deflections is inside the QRS) and no deflection above 15 % of the maximum magnitude is still coming
    ///   back down (the slow peak of a terminal R' is inside the QRS). When a T wave rises from the J point
    ///   without a flat ST segment, that walk runs into it; so the end is also not allowed past the point where
    ///   the magnitude is lowest between 40 ms after the fastest point and the T peak (the largest magnitude
    ///   from 120 ms after the fastest point to 0.7 RR intervals after it).
    /// Both velocity thresholds are at least three times the velocity's 20th percentile over the beat (its noise).
    static func qrsBounds(of beat: [[Double]], around peak: Int, rr: Double, samplingRate: Double) -> (onset: Int, end: Int) {
        let count = beat[0].count
        let smoothing = max(1, Int(0.01 * samplingRate))
        var velocity = [Double](repeating: 0, count: count)
        var magnitude = [Double](repeating: 0, count: count)
        for lead in beat {
            let smooth = movingAverage(lead, width: smoothing)
            for index in 1..<(count - 1) {
                let slope = (smooth[index + 1] - smooth[index - 1]) / 2
                velocity[index] += slope * slope
                magnitude[index] += smooth[index] * smooth[index]
            }
        }
        velocity = velocity.map { $0.squareRoot() }
        magnitude = magnitude.map { $0.squareRoot() }
        let reach = Int(0.1 * samplingRate)
        let window = max(1, peak - reach)...min(count - 2, peak + reach)
        let fastest = window.max { velocity[$0] < velocity[$1] } ?? peak
        let largest = window.map { magnitude[$0] }.max() ?? 0
        let noise = 3 * velocity.sorted()[velocity.count / 5]
        let onsetThreshold = max(0.05 * velocity[fastest], noise)
        let endThreshold = max(0.1 * velocity[fastest], noise)
        let lookAhead = Int(0.02 * samplingRate)
        func isInQRS(_ index: Int) -> Bool {
            if velocity[index] > endThreshold || magnitude[index] > 0.4 * largest { return true }
            return magnitude[index] > 0.15 * largest && magnitude[min(count - 1, index + lookAhead)] < magnitude[index]
        }
        let quiet = max(1, Int(0.01 * samplingRate))
        var onset = fastest
        while onset - quiet > 0 && (0..<quiet).contains(where: {
            velocity[onset - $0] > onsetThreshold || magnitude[onset - $0] > 0.4 * largest
        }) { onset -= 1 }
        var end = fastest
        while end + quiet < count - 1 && (0..<quiet).contains(where: { isInQRS(end + $0) }) { end += 1 }
        let tSearch = min(count - 1, fastest + Int(0.12 * samplingRate))...min(count - 1, fastest + Int(0.7 * rr * samplingRate))
        if let tPeak = tSearch.max(by: { magnitude[$0] < magnitude[$1] }), fastest + Int(0.04 * samplingRate) < tPeak,
           let lowest = ((fastest + Int(0.04 * samplingRate))...tPeak).min(by: { magnitude[$0] < magnitude[$1] }) {
            end = min(end, lowest)
        }
        return (onset, end)
    }

    // MARK: Statistics

    /// Arithmetic mean (NaN for no values).
    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// Median (NaN for no values).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

// MARK: QRS morphology, T/R ratio and pacing spikes

extension ECGSignalMeasurement {
    /// Smallest deflection from the isoelectric level counted as a wave, in mV (0.3 mm at standard gain).
    static let waveThreshold = 0.03

    /// A median-beat lead's QRS samples (onset to end) above its isoelectric level, in mV.
    func qrsComplex(_ lead: Int) -> [Double] {
        let level = isoelectricLevel(lead)
        return medianBeat[lead][qrsOnset...qrsEnd].map { $0 - level }
    }

    /// The sign (+1 or −1) of the first deflection of a median-beat lead's QRS beyond `waveThreshold`, 0 if none.
    func initialDeflection(_ lead: Int) -> Double {
        guard let first = qrsComplex(lead).first(where: { abs($0) > Self.waveThreshold }) else { return 0 }
        return first > 0 ? 1 : -1
    }

    /// The initial Q wave of a median-beat lead: from QRS onset while the lead stays below its isoelectric level
    /// (a QRS that never rises above `waveThreshold` is a QS complex, its whole QRS a Q wave); duration in seconds
    /// and depth in mV, zero when the QRS starts upwards.
    func qWave(_ lead: Int) -> (duration: Double, depth: Double, isQS: Bool) {
        let complex = qrsComplex(lead)
        guard let first = complex.firstIndex(where: { abs($0) > Self.waveThreshold }), complex[first] < 0 else {
            return (0, 0, false)
        }
        let end = complex[first...].firstIndex(where: { $0 > Self.waveThreshold }) ?? complex.count
        let start = complex[..<first].lastIndex(where: { $0 >= 0 }).map { $0 + 1 } ?? 0
        return (Double(end - start) / samplingRate, -(complex[..<end].min() ?? 0), end == complex.count)
    }

    /// Whether a median-beat lead's QRS ends in an R' (or r'): a positive wave beyond `waveThreshold` after a
    /// negative one beyond it, as the rSr', rsR' or (with an anterior Q wave) qR of a right bundle branch block in
    /// V1 (Surawicz et al. 2009); a normal rS, and LBBB's QS or rS, have none.
    func hasTerminalR(_ lead: Int) -> Bool {
        let complex = qrsComplex(lead)
        guard let s = complex.firstIndex(where: { $0 < -Self.waveThreshold }) else { return false }
        return complex[s...].contains { $0 > Self.waveThreshold }
    }

    /// qR in a lead: a q wave first, then an R taller than the q is deep.
    func hasQR(_ lead: Int) -> Bool {
        let complex = qrsComplex(lead)
        guard initialDeflection(lead) < 0, let r = complex.firstIndex(where: { $0 > Self.waveThreshold }) else { return false }
        return (complex[r...].max() ?? 0) > -(complex[..<r].min() ?? 0)
    }

    /// rS in a lead: a small r first, then a dominant S (deeper than the R is tall).
    func hasRS(_ lead: Int) -> Bool {
        let complex = qrsComplex(lead)
        return initialDeflection(lead) > 0 && -(complex.min() ?? 0) > (complex.max() ?? 0)
    }

    /// The T wave's peak over the tallest QRS deflection's size (its largest excursion from the isoelectric
    /// level) in a median-beat lead: positive for an upright T, negative for an inverted one.
    func tToRRatio(_ lead: Int) -> Double {
        let complex = qrsComplex(lead)
        let r = max(complex.max() ?? 0, -(complex.min() ?? 0))
        return r > 0 ? tWave(lead).peak / r : 0
    }

    /// Pacing spikes: samples where, in some lead, the second difference exceeds 0.7 mV (a QRS, smooth on the
    /// scale of a few milliseconds, reaches a tenth of that at 500 Hz) and 8 times its median magnitude within
    /// ±100 ms (so that a burst of muscle noise, rough everywhere, does not count); neighbours within 20 ms
    /// count as one.
    static func pacingSpikes(in leads: [[Float]]) -> [Int] {
        let count = leads[0].count
        let curvatures = leads.map { lead in
            (0..<count).map { index in
                guard index > 0, index < count - 1 else { return 0.0 }
                let next = Double(lead[index + 1]), here = Double(lead[index]), previous = Double(lead[index - 1])
                return abs(next - 2 * here + previous)
            }
        }
        var spikes: [Int] = []
        for index in 1..<(count - 1) {
            let isSpike = curvatures.contains { curvature in
                guard curvature[index] > 0.7 else { return false }
                let around = Array(curvature[max(0, index - 50)..<min(count, index + 50)])
                return curvature[index] > 8 * median(around)
            }
            guard isSpike else { continue }
            if let last = spikes.last, index - last < 10 { continue }
            spikes.append(index)
        }
        return spikes
    }

    /// `leads` through a 5-sample running median (10 ms at 500 Hz), which removes spikes of one or two samples
    /// and leaves the slower waves of the ECG nearly unchanged.
    static func withoutSpikes(_ leads: [[Float]]) -> [[Float]] {
        leads.map { lead in
            lead.indices.map { index in
                let window = lead[max(0, index - 2)...min(lead.count - 1, index + 2)].sorted()
                return window[window.count / 2]
            }
        }
    }
}

