/* Helm as a process, for benchmarks: real Helm 4 (the C shared library inside the PyPI wheel
   helm-sdkpy, installed by .ci/install-oracles) linked into a small program, so that kforge's
   process is compared with a Helm process doing the same job, as a CI script would run it.

     helmproc OUTDIR CHARTDIR...

   For each chart: `helm lint` (a message of severity 3, an error, fails), then `helm package`
   into OUTDIR. One process for all charts, which is kinder to Helm than one `helm` process per
   command. Exit 0 on success, 1 on a lint error or a failed package, 2 on bad usage.

   Build (benches/run.py does it): cc -O2 -o helmproc helmproc.c -L$LIB -lhelm_sdkpy
   -Wl,-rpath,$LIB, with LIB the folder of libhelm_sdkpy.so (target/oracles/helm). */
#include <stdio.h>
#include <string.h>

typedef unsigned long long helm_handle;

/* From libhelm_sdkpy.h (helm-sdkpy 0.1.32); each returns 0 on success. */
extern int helm_sdkpy_config_create(char *ns, char *kubeconfig, char *kubecontext,
                                    char *options_json, helm_handle *out);
extern int helm_sdkpy_lint(helm_handle h, char *chart, char **result_json);
extern int helm_sdkpy_package(helm_handle h, char *chart, char *dest, char **path);
extern char *helm_sdkpy_last_error(void);

int main(int argc, char **argv) {
    helm_handle h;
    char *out = NULL;
    if (argc < 3) {
        fprintf(stderr, "usage: helmproc OUTDIR CHARTDIR...\n");
        return 2;
    }
    if (helm_sdkpy_config_create("default", "", "", "{}", &h) != 0) {
        fprintf(stderr, "helmproc: config: %s\n", helm_sdkpy_last_error());
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        out = NULL;
        if (helm_sdkpy_lint(h, argv[i], &out) != 0) {
            fprintf(stderr, "helmproc: lint %s: %s\n", argv[i], helm_sdkpy_last_error());
            return 1;
        }
        /* Severities: 1 info, 2 warning, 3 error (the message texts come back empty). */
        if (out != NULL && strstr(out, "\"Severity\":3") != NULL) {
            fprintf(stderr, "helmproc: lint error in %s: %s\n", argv[i], out);
            return 1;
        }
        out = NULL;
        if (helm_sdkpy_package(h, argv[i], argv[1], &out) != 0) {
            fprintf(stderr, "helmproc: package %s: %s\n", argv[i], helm_sdkpy_last_error());
            return 1;
        }
    }
    return 0;
}
