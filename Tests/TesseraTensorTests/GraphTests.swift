import Testing
@testable import TesseraNN
@testable import TesseraTensor

@Suite struct GraphTests {
    @Test func noGradModeRecordsNothing() {
        let g = Graph()
        let p = Parameter(name: "w", shape: Shape(2, 2), values: [1, 2, 3, 4])
        let y = g.withoutGrad { g.sum(g.matmul(g.param(p), g.param(p))) }
        #expect(!g.requiresGrad(y))
        #expect(g.records.isEmpty)
        g.backward(y)
        #expect(p.gradients == [0, 0, 0, 0])
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let p = Parameter(name: "w", shape: Shape(3), values: [1, 2, 3])
        let g = Graph()
        for _ in 0..<2 {
            g.reset()
            g.backward(g.sum(g.scale(g.param(p), 2)))
        }
        #expect(p.gradients == [4, 4, 4])
    }

    @Test func arenaReachesASteadyStateAfterGrowing() {
        let arena = Arena(initialBytes: 1024)
        for _ in 0..<2 {
            arena.reset()
            for _ in 0..<10 { _ = arena.allocate(floats: 1000) }
        }
        let settled = arena.systemAllocations
        for _ in 0..<5 {
            arena.reset()
            for _ in 0..<10 { _ = arena.allocate(floats: 1000) }
        }
        #expect(arena.systemAllocations == settled)
    }

    @Test func linearModuleUsesFairseqNamesAndLayout() {
        var rng = SplitMix64(seed: 1)
        let fc = Linear(name: "encoder.layers.0.fc1", config: LinearConfig(inputs: 3, outputs: 2), rng: &rng)
        #expect(fc.parameters.map(\.name) == ["encoder.layers.0.fc1.weight", "encoder.layers.0.fc1.bias"])
        #expect(fc.weight.shape == Shape(2, 3))
        fc.weight.values = [1, 0, 0, 0, 1, 1]
        fc.bias!.values = [0.5, -1]
        let g = Graph()
        #expect(g.array(fc(g, g.constant([1, 2, 3], Shape(1, 3)))) == [1.5, 4])
    }
}
