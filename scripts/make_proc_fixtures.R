#!/usr/bin/env Rscript
# Generate reference numbers from R's pROC for DeLong AUC confidence intervals
# and the paired DeLong test.  Output: tests/fixtures/proc_delong.json
#
# Run from the repository root:
#   Rscript scripts/make_proc_fixtures.R
#
# Requires (Debian): r-base-core r-cran-proc
# The Python test suite only reads the JSON; it never runs this script.
# All inputs (labels, scores) are generated here with a fixed seed and written
# to the JSON together with pROC's outputs, so Python needs nothing else.

suppressPackageStartupMessages(library(pROC))

RNGkind(kind = "Mersenne-Twister", normal.kind = "Inversion",
        sample.kind = "Rejection")
set.seed(20240611)

out_path <- file.path("tests", "fixtures", "proc_delong.json")

# ---------------------------------------------------------------- helpers ---

# Shortest of %.15g / %.17g that round-trips exactly to the same double.
fmt_num <- function(x) {
  vapply(x, function(v) {
    if (is.na(v) || !is.finite(v)) stop("non-finite value in fixture")
    s <- sprintf("%.15g", v)
    if (as.numeric(s) != v) s <- sprintf("%.17g", v)
    s
  }, character(1))
}
json_num <- function(x) fmt_num(x)[[1]]
json_vec <- function(x) paste0("[", paste(fmt_num(x), collapse = ", "), "]")
json_int_vec <- function(x) paste0("[", paste(sprintf("%d", as.integer(x)), collapse = ","), "]")
json_str <- function(s) paste0("\"", gsub("\"", "\\\"", gsub("\\", "\\\\", s, fixed = TRUE), fixed = TRUE), "\"")

labels_with <- function(n, n_pos) sample(c(rep(1L, n_pos), rep(0L, n - n_pos)))

# ------------------------------------------------------------------ cases ---

make_cases <- function() {
  cases <- list()

  # a. small_ties: n=30, 12 positives (40%), scores rounded to 1 decimal.
  n <- 30; y <- labels_with(n, 12)
  lat <- rnorm(n) + 1.0 * y
  s1 <- round(plogis(lat), 1)
  s2 <- round(plogis(0.6 * lat + rnorm(n, sd = 0.8)), 1)
  cases[[length(cases) + 1]] <- list(name = "small_ties", y = y, s1 = s1, s2 = s2)

  # b. titanic_like: n=143, 55 positives, correlated probabilities in (0,1).
  n <- 143; y <- labels_with(n, 55)
  lin <- -0.5 + 1.6 * y + rnorm(n, sd = 1.2)
  s1 <- plogis(lin)
  s2 <- plogis(lin + rnorm(n, sd = 0.7))
  cases[[length(cases) + 1]] <- list(name = "titanic_like", y = y, s1 = s1, s2 = s2)

  # c. medium: n=1000, 300 positives, continuous scores.
  n <- 1000; y <- labels_with(n, 300)
  s1 <- rnorm(n) + 1.0 * y
  s2 <- 0.5 * s1 + rnorm(n, sd = 0.9) + 0.3 * y
  cases[[length(cases) + 1]] <- list(name = "medium", y = y, s1 = s1, s2 = s2)

  # d. imbalanced: n=500, 10 positives.
  n <- 500; y <- labels_with(n, 10)
  s1 <- plogis(-2 + 1.5 * y + rnorm(n))
  s2 <- plogis(-2 + 1.0 * y + rnorm(n))
  cases[[length(cases) + 1]] <- list(name = "imbalanced", y = y, s1 = s1, s2 = s2)

  # e. heavy_ties: n=200, scores take only 5 distinct values.
  n <- 200; y <- labels_with(n, 80)
  vals <- c(0.1, 0.3, 0.5, 0.7, 0.9)
  lat <- rnorm(n) + 0.9 * y
  s1 <- vals[findInterval(lat, c(-Inf, -0.5, 0.1, 0.6, 1.2, Inf))]
  s2 <- vals[findInterval(lat + rnorm(n, sd = 0.8), c(-Inf, -0.4, 0.2, 0.8, 1.4, Inf))]
  cases[[length(cases) + 1]] <- list(name = "heavy_ties", y = y, s1 = s1, s2 = s2)

  # f. identical_models_but_one: n=100, s2 == s1 except in 4 rows.
  n <- 100; y <- labels_with(n, 40)
  s1 <- plogis(rnorm(n) + 1.2 * y)
  s2 <- s1
  idx <- sample.int(n, 4)
  s2[idx] <- runif(4)
  cases[[length(cases) + 1]] <- list(name = "identical_models_but_one", y = y, s1 = s1, s2 = s2)

  # g. reverse: n=80, s2 worse than random (AUC < 0.5).
  n <- 80; y <- labels_with(n, 35)
  s1 <- rnorm(n) + 1.0 * y
  s2 <- -0.8 * y + rnorm(n)
  cases[[length(cases) + 1]] <- list(name = "reverse", y = y, s1 = s1, s2 = s2)

  cases
}

# --------------------------------------------------------------- pROC run ---

ci_lu <- function(r, level) {
  ci <- ci.auc(r, conf.level = level, method = "delong")
  c(ci[1], ci[3])  # ci = (lower, median(=auc), upper)
}

run_case <- function(cs) {
  y <- cs$y
  r1 <- roc(y, cs$s1, levels = c(0, 1), direction = "<", quiet = TRUE)
  r2 <- roc(y, cs$s2, levels = c(0, 1), direction = "<", quiet = TRUE)

  t95 <- roc.test(r1, r2, method = "delong", paired = TRUE)
  t90 <- roc.test(r1, r2, method = "delong", paired = TRUE, conf.level = 0.90)
  if (!("conf.int" %in% names(t95))) stop("this pROC does not return conf.int for DeLong")

  res <- list(
    auc1 = as.numeric(r1$auc), auc2 = as.numeric(r2$auc),
    var1 = var(r1, method = "delong"), var2 = var(r2, method = "delong"),
    cov12 = cov(r1, r2, method = "delong"),
    ci1_95 = ci_lu(r1, 0.95), ci2_95 = ci_lu(r2, 0.95),
    ci1_90 = ci_lu(r1, 0.90), ci2_90 = ci_lu(r2, 0.90),
    z = unname(t95$statistic), p_value = unname(t95$p.value),
    estimate = unname(as.numeric(t95$estimate)),
    tci_95 = as.numeric(t95$conf.int), tci_90 = as.numeric(t90$conf.int)
  )
  # consistency of the two runs of the test
  stopifnot(isTRUE(all.equal(unname(t90$statistic), res$z)))
  res
}

case_json <- function(cs, res) {
  fields <- c(
    sprintf("\"name\": %s", json_str(cs$name)),
    sprintf("\"n\": %d", length(cs$y)),
    sprintf("\"n_pos\": %d", sum(cs$y == 1L)),
    sprintf("\"y\": %s", json_int_vec(cs$y)),
    sprintf("\"s1\": %s", json_vec(cs$s1)),
    sprintf("\"s2\": %s", json_vec(cs$s2)),
    sprintf("\"auc1\": %s", json_num(res$auc1)),
    sprintf("\"auc2\": %s", json_num(res$auc2)),
    sprintf("\"var1\": %s", json_num(res$var1)),
    sprintf("\"var2\": %s", json_num(res$var2)),
    sprintf("\"cov12\": %s", json_num(res$cov12)),
    sprintf("\"ci1_95\": %s", json_vec(res$ci1_95)),
    sprintf("\"ci2_95\": %s", json_vec(res$ci2_95)),
    sprintf("\"ci1_90\": %s", json_vec(res$ci1_90)),
    sprintf("\"ci2_90\": %s", json_vec(res$ci2_90)),
    sprintf("\"test\": {\"z\": %s, \"p_value\": %s, \"estimate\": %s, \"ci_95\": %s, \"ci_90\": %s}",
            json_num(res$z), json_num(res$p_value), json_vec(res$estimate),
            json_vec(res$tci_95), json_vec(res$tci_90))
  )
  paste0("    {\n      ", paste(fields, collapse = ",\n      "), "\n    }")
}

# ------------------------------------------------------------------- main ---

cases <- make_cases()
blocks <- vapply(cases, function(cs) case_json(cs, run_case(cs)), character(1))

generator <- sprintf("pROC %s on %s", as.character(packageVersion("pROC")),
                     R.version.string)
note <- paste("Generated by scripts/make_proc_fixtures.R.",
              "roc(y, s, levels = c(0, 1), direction = \"<\");",
              "ci.auc(method = \"delong\") -> [lower, upper];",
              "var/cov(method = \"delong\");",
              "roc.test(method = \"delong\", paired = TRUE), conf.level 0.95 and 0.90.")

json <- paste0(
  "{\n",
  "  \"generator\": ", json_str(generator), ",\n",
  "  \"note\": ", json_str(note), ",\n",
  "  \"cases\": [\n", paste(blocks, collapse = ",\n"), "\n  ]\n",
  "}\n")

dir.create(dirname(out_path), recursive = TRUE, showWarnings = FALSE)
writeLines(json, out_path, sep = "")
cat(sprintf("wrote %s (%d cases, %d bytes) with %s\n", out_path, length(cases),
            file.size(out_path), generator))
