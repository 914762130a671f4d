/* sgemm GFLOP/s at the Transformer's shapes (d=256, ffn 1024, vocab 8000, 4096-token batches)
 * through the cblas_sgemm of the library named on the command line, loaded with dlopen so that
 * OpenBLAS and BLIS (which export the same symbols) can each be measured alone.
 * Usage: bench-blas LIBRARY THREADS CALLS; prints "shape<TAB>GFLOP/s" (best of CALLS calls). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
enum { RowMajor = 101, NoTrans = 111, Trans = 112 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: bench-blas LIBRARY THREADS CALLS\n"); return 2; }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) { fprintf(stderr, "bench-blas: %s\n", dlerror()); return 1; }
    sgemm_fn sgemm = (sgemm_fn)dlsym(lib, "cblas_sgemm");
    void (*set_threads)(int) = (void (*)(int))dlsym(lib, "openblas_set_num_threads");
    if (!sgemm) { fprintf(stderr, "bench-blas: %s has no cblas_sgemm\n", argv[1]); return 1; }
    int threads = atoi(argv[2]), calls = atoi(argv[3]);
    if (threads < 1 || calls < 1) { fprintf(stderr, "bench-blas: THREADS and CALLS must be positive integers\n"); return 2; }
    if (set_threads) set_threads(threads);   /* BLIS reads BLIS_NUM_THREADS instead */
    /* m, n, k, transpose B (weights stored [out, in]), and a name as kernel-bench gives it. */
    struct { int m, n, k, tb; const char *name; } shapes[] = {
        {4096, 256, 256, 1, "attn proj [4096x256]x[256x256]"},
        {4096, 768, 256, 1, "fused QKV [4096x256]x[256x768]"},
        {4096, 1024, 256, 1, "fc1 [4096x256]x[256x1024]"},
        {4096, 256, 1024, 1, "fc2 [4096x1024]x[1024x256]"},
        {4096, 8000, 256, 1, "output proj [4096x256]x[256x8000]"},
        {4096, 256, 8000, 0, "output proj bwd dX [4096x8000]x[8000x256]"},
    };
    size_t largest = (size_t)4096 * 8000;
    float *a = malloc(largest * sizeof(float)), *b = malloc(largest * sizeof(float)), *c = malloc(largest * sizeof(float));
    for (size_t i = 0; i < largest; i++) { a[i] = (float)rand() / RAND_MAX - 0.5f; b[i] = (float)rand() / RAND_MAX - 0.5f; }
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s].m, n = shapes[s].n, k = shapes[s].k, tb = shapes[s].tb;
        double best = 1e30;
        for (int i = 0; i <= calls; i++) {
            double start = now();
            sgemm(RowMajor, NoTrans, tb ? Trans : NoTrans, m, n, k, 1, a, k, b, tb ? k : n, 0, c, n);
            double t = now() - start;
            if (i > 0 && t < best) best = t;   /* call 0 warms up */
        }
        printf("%s\t%.1f\n", shapes[s].name, 2.0 * m * n * k / best * 1e-9);
    }
    return 0;
}
