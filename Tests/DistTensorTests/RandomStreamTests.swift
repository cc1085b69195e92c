import DistTensor
import Testing

@Suite struct RandomStreamTests {
    @Test func sameKeySameStream() {
        var a = RandomStream(seed: 7, 1, 2)
        var b = RandomStream(seed: 7, 1, 2)
        var c = RandomStream(seed: 7, 2, 1)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
    }

    @Test func normalHasUnitMoments() {
        var random = RandomStream(seed: 1)
        let values = (0..<200_000).map { _ in random.nextNormal() }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        // Standard errors: mean 0.0022, variance 0.0032; the bounds are about 4.5 of them.
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.015)
    }
}
