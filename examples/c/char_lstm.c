/*
 * The founding article's text generator, from C: a character-level LSTM language model on Tiny
 * Shakespeare (embedding 64, LSTM 256, cross-entropy, RMSprop, clip_grad_norm_, ExponentialLR),
 * printing generated text as it learns; then REINFORCE fine-tuning of the same model with a reward
 * computed here, in the host (the share of generated words that occur in the corpus), and a moving
 * baseline. Each step's tensor handles are freed by a handle scope; a one-line progress display.
 *
 *     build/char_lstm_c [--steps 2000] [--rl-steps 200] [--seed 0] [path/to/text]
 */
#include <gentrain.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQ 64
#define BATCH 32
#define EMBED 64
#define HIDDEN 256
#define MAX_PARAMS 8
#define CHECK(call)                                                                   \
    do {                                                                              \
        if ((call) != GENTRAIN_OK) {                                                  \
            fprintf(stderr, "\n%s: %s\n", #call, gentrain_last_error());              \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

/* The corpus as vocabulary indices, and the vocabulary: the bytes the text uses, in byte order. */
static int64_t *data;
static size_t n_data;
static int64_t vocab, index_of[256];
static unsigned char chars[256];

static void load(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    unsigned char *text = size > 0 ? malloc((size_t)size) : NULL;
    rewind(f);
    n_data = text ? fread(text, 1, (size_t)size, f) : 0;
    fclose(f);
    if (n_data < 2 * SEQ) {
        fprintf(stderr, "%s: too short for sequences of %d characters\n", path, SEQ);
        exit(1);
    }
    int used[256] = {0};
    for (size_t i = 0; i < n_data; i++) used[text[i]] = 1;
    for (int c = 0; c < 256; c++)
        if (used[c]) chars[vocab] = (unsigned char)c, index_of[c] = vocab++;
    data = malloc(n_data * sizeof *data);
    if (!data) exit(1);
    for (size_t i = 0; i < n_data; i++) data[i] = index_of[text[i]];
    free(text);
}

/* ---- The host's reward: the share of a sample's words (runs of letters) that the corpus has. ---- */

#define WORD_SLOTS (1 << 16)
static uint64_t corpus_words[WORD_SLOTS];   /* an open-addressing set of word hashes; 0 is empty */

static uint64_t word_hash(const unsigned char *s, size_t n) {
    uint64_t h = 1469598103934665603u;   /* FNV-1a, never 0 for a non-empty word in practice */
    for (size_t i = 0; i < n; i++) h = (h ^ (uint64_t)tolower(s[i])) * 1099511628211u;
    return h | 1;
}

static int word_slot(uint64_t h) {
    size_t i = h % WORD_SLOTS;
    while (corpus_words[i] && corpus_words[i] != h) i = (i + 1) % WORD_SLOTS;
    return (int)i;
}

/* Calls visit(hash) for each word of s[0..n). */
static void words(const unsigned char *s, size_t n, void (*visit)(uint64_t, void *), void *context) {
    for (size_t i = 0; i < n;) {
        if (!isalpha(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && isalpha(s[j])) j++;
        visit(word_hash(s + i, j - i), context);
        i = j;
    }
}

static void add_word(uint64_t h, void *count) {
    int slot = word_slot(h);
    if (!corpus_words[slot] && *(size_t *)count < WORD_SLOTS / 2) corpus_words[slot] = h, ++*(size_t *)count;
}

static void score_word(uint64_t h, void *counts) {
    ((int *)counts)[0]++;
    ((int *)counts)[1] += corpus_words[word_slot(h)] == h;
}

static double reward(const unsigned char *sample, size_t n) {
    int counts[2] = {0, 0};
    words(sample, n, score_word, counts);
    return counts[0] ? (double)counts[1] / counts[0] : 0;
}

/* ---- The model: embedding -> LSTM -> linear head, three modules and their parameters. ---- */

static gentrain_module *embed, *lstm, *head;
static gentrain_tensor *params[MAX_PARAMS];
static size_t n_params;

static void build_model(void) {
    CHECK(gentrain_module_embedding_new(&embed, vocab, EMBED, NULL));
    CHECK(gentrain_module_lstm_new(&lstm, EMBED, HIDDEN, 1, true, true, 0.0, false));
    CHECK(gentrain_module_linear_new(&head, HIDDEN, vocab, true));
    gentrain_module *modules[3] = {embed, lstm, head};
    for (int m = 0; m < 3; m++) {
        size_t n = 0;
        CHECK(gentrain_module_parameter_count(&n, modules[m]));
        if (n_params + n > MAX_PARAMS) {
            fprintf(stderr, "the model has more than %d parameter tensors\n", MAX_PARAMS);
            exit(1);
        }
        for (size_t i = 0; i < n; i++)
            CHECK(gentrain_module_parameter(&params[n_params++], NULL, modules[m], i));
    }
}

/* x int64 [N, T] -> logits [N, T, vocab]; the state (h, c) in and out (NULL in for zeros). */
static gentrain_tensor *forward(const gentrain_tensor *x, gentrain_tensor **h, gentrain_tensor **c) {
    gentrain_tensor *e, *y, *logits;
    CHECK(gentrain_module_forward(&e, embed, x));
    CHECK(gentrain_module_recurrent_forward(&y, h, c, lstm, e, *h, *c));
    CHECK(gentrain_module_forward(&logits, head, y));
    return logits;
}

/* Draws an index from softmax(logits / temperature) with the C library's generator. */
static int64_t sample_index(const float *logits, double temperature) {
    double max = logits[0], total = 0, p[256];
    for (int64_t i = 1; i < vocab; i++) max = fmax(max, logits[i]);
    for (int64_t i = 0; i < vocab; i++) total += p[i] = exp((logits[i] - max) / temperature);
    double u = total * rand() / ((double)RAND_MAX + 1);
    for (int64_t i = 0; i < vocab; i++)
        if ((u -= p[i]) < 0) return i;
    return vocab - 1;
}

/* Samples `length` characters after `prompt` into out[0..length). With `log_prob` non-NULL, also
 * returns the sum of their log-probabilities under the model at temperature 1 (a tensor with a
 * gradient, for REINFORCE). The caller's handle scope frees the temporaries. */
static void generate(unsigned char *out, int length, const char *prompt, double temperature,
                     gentrain_tensor **log_prob) {
    gentrain_tensor *h = NULL, *c = NULL, *x = NULL, *sum = NULL;
    int64_t n_prompt = (int64_t)strlen(prompt), ids[64];
    for (int64_t i = 0; i < n_prompt && i < 64; i++) ids[i] = index_of[(unsigned char)prompt[i]];
    int64_t shape[2] = {1, n_prompt < 64 ? n_prompt : 64};
    CHECK(gentrain_tensor_from_data(&x, ids, sizeof(int64_t) * shape[1], GENTRAIN_INT64, shape, 2));
    gentrain_cross_entropy_options sum_ce;
    gentrain_cross_entropy_options_default(&sum_ce);
    sum_ce.reduction = GENTRAIN_REDUCTION_SUM;
    float last[256];
    for (int i = 0; i < length; i++) {
        gentrain_tensor *logits = forward(x, &h, &c), *step, *flat, *target, *nll;
        int64_t flat_shape[2] = {-1, vocab}, one[1] = {1};
        CHECK(gentrain_select(&step, logits, 1, -1));   /* logits [1, T, vocab]: the last step's */
        CHECK(gentrain_tensor_copy_to(last, sizeof(float) * vocab, GENTRAIN_FLOAT32, step));
        int64_t next = sample_index(last, temperature);
        out[i] = chars[next];
        shape[1] = 1;
        CHECK(gentrain_tensor_from_data(&x, &next, sizeof next, GENTRAIN_INT64, shape, 2));
        if (log_prob) {   /* -log p(next) = cross_entropy(logits of the last step, next) */
            CHECK(gentrain_reshape(&flat, step, flat_shape, 2));
            CHECK(gentrain_tensor_from_data(&target, &next, sizeof next, GENTRAIN_INT64, one, 1));
            CHECK(gentrain_cross_entropy(&nll, flat, target, &sum_ce));
            gentrain_tensor *total = nll;
            if (sum) CHECK(gentrain_add(&total, sum, nll));
            sum = total;
        }
    }
    if (log_prob) CHECK(gentrain_mul_scalar(log_prob, sum, -1.0));
}

static void progress(const char *what, int step, int steps, const char *label, double value) {
    int done = (int)(30.0 * (step + 1) / steps);
    fprintf(stderr, "\r%s %5d/%d [%.*s%*s] %s %.3f", what, step + 1, steps, done,
            "##############################", 30 - done, "", label, value);
}

int main(int argc, char **argv) {
    int steps = 2000, rl_steps = 200, seed = 0;
    const char *path = "data/tinyshakespeare.txt";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) steps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--rl-steps") == 0 && i + 1 < argc) rl_steps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) seed = atoi(argv[++i]);
        else if (argv[i][0] != '-') path = argv[i];
        else {
            fprintf(stderr, "usage: %s [--steps N] [--rl-steps N] [--seed S] [path/to/text]\n", argv[0]);
            return 2;
        }
    }
    load(path);
    size_t n_words = 0;
    {
        unsigned char *text = malloc(n_data);
        if (!text) return 1;
        for (size_t i = 0; i < n_data; i++) text[i] = chars[data[i]];
        words(text, n_data, add_word, &n_words);
        free(text);
    }
    printf("%zu characters, vocabulary of %lld, %zu distinct words\n", n_data, (long long)vocab, n_words);
    srand((unsigned)seed);
    gentrain_manual_seed((uint64_t)seed);
    build_model();

    gentrain_optimizer *rmsprop = NULL;
    CHECK(gentrain_optim_new(&rmsprop, "RMSprop", params, n_params, (const char *[]){"lr"}, (double[]){2e-3}, 1));
    gentrain_scheduler *decay = NULL;
    CHECK(gentrain_scheduler_exponential_new(&decay, rmsprop, 0.999));
    gentrain_cross_entropy_options mean_ce;
    gentrain_cross_entropy_options_default(&mean_ce);
    static int64_t inputs[BATCH * SEQ], targets[BATCH * SEQ];
    int64_t in_shape[2] = {BATCH, SEQ}, flat_shape[2] = {BATCH * SEQ, vocab}, target_shape[1] = {BATCH * SEQ};
    double loss_value = 0, recent = 0;
    unsigned char text[256];
    for (int step = 0; step < steps; step++) {
        gentrain_scope_begin();   /* every tensor handle of the step is freed at its end */
        for (int b = 0; b < BATCH; b++) {
            size_t start = (size_t)((double)rand() / ((double)RAND_MAX + 1) * (double)(n_data - SEQ - 1));
            memcpy(inputs + b * SEQ, data + start, SEQ * sizeof(int64_t));
            memcpy(targets + b * SEQ, data + start + 1, SEQ * sizeof(int64_t));
        }
        gentrain_tensor *x, *y, *h = NULL, *c = NULL, *logits, *flat, *loss;
        CHECK(gentrain_tensor_from_data(&x, inputs, sizeof inputs, GENTRAIN_INT64, in_shape, 2));
        CHECK(gentrain_tensor_from_data(&y, targets, sizeof targets, GENTRAIN_INT64, target_shape, 1));
        logits = forward(x, &h, &c);
        CHECK(gentrain_reshape(&flat, logits, flat_shape, 2));
        CHECK(gentrain_cross_entropy(&loss, flat, y, &mean_ce));
        CHECK(gentrain_optim_zero_grad(rmsprop, true));
        CHECK(gentrain_backward(loss, NULL, false, false));
        CHECK(gentrain_clip_grad_norm(NULL, params, n_params, 5.0, 2.0, false));
        CHECK(gentrain_optim_step(rmsprop));
        CHECK(gentrain_scheduler_step(decay));
        CHECK(gentrain_tensor_item(&loss_value, loss));
        recent = step ? 0.98 * recent + 0.02 * loss_value : loss_value;
        if (step % 500 == 0 || step == steps - 1) {
            bool was;
            gentrain_set_grad_enabled(false, &was);
            generate(text, 120, "ROMEO:", 0.8, NULL);
            gentrain_set_grad_enabled(was, NULL);
            fprintf(stderr, "\r%*s\r", 70, "");
            printf("--- step %d, loss %.3f:\n%.*s\n", step, loss_value, 120, (const char *)text);
            fflush(stdout);
        }
        CHECK(gentrain_scope_end(NULL, 0));
        if (step % 10 == 0 || step == steps - 1) progress("language model", step, steps, "loss", recent);
    }
    fprintf(stderr, "\n");
    printf("after %d steps: training loss %.3f nats per character (moving average)\n", steps, recent);

    /* REINFORCE: the gradient of E[reward] is E[(reward - baseline) * grad log p(sample)]. */
    gentrain_optimizer *adam = NULL;
    CHECK(gentrain_optim_new(&adam, "Adam", params, n_params, (const char *[]){"lr"}, (double[]){1e-4}, 1));
    double baseline = 0, first = 0, last = 0;
    int window = rl_steps < 20 ? rl_steps : 20;
    for (int step = 0; step < rl_steps; step++) {
        gentrain_scope_begin();
        gentrain_tensor *log_prob, *loss;
        generate(text, 60, "ROMEO:", 1.0, &log_prob);
        double r = reward(text, 60);
        baseline = step ? 0.95 * baseline + 0.05 * r : r;
        CHECK(gentrain_mul_scalar(&loss, log_prob, -(r - baseline)));
        CHECK(gentrain_optim_zero_grad(adam, true));
        CHECK(gentrain_backward(loss, NULL, false, false));
        CHECK(gentrain_clip_grad_norm(NULL, params, n_params, 1.0, 2.0, false));
        CHECK(gentrain_optim_step(adam));
        CHECK(gentrain_scope_end(NULL, 0));
        if (step < window) first += r / window;
        if (step >= rl_steps - window) last += r / window;
        progress("REINFORCE", step, rl_steps, "baseline", baseline);
    }
    if (rl_steps > 0) {
        fprintf(stderr, "\n");
        printf("REINFORCE: mean reward %.2f over the first %d samples, %.2f over the last %d\n", first, window,
               last, window);
    }
    gentrain_scope_begin();
    bool was;
    gentrain_set_grad_enabled(false, &was);
    generate(text, 200, "ROMEO:", 0.8, NULL);
    printf("--- after fine-tuning:\n%.*s\n", 200, (const char *)text);
    CHECK(gentrain_scope_end(NULL, 0));

    gentrain_scheduler_free(decay);
    gentrain_optim_free(adam);
    gentrain_optim_free(rmsprop);
    for (size_t i = 0; i < n_params; i++) gentrain_tensor_free(params[i]);
    gentrain_module_free(embed);
    gentrain_module_free(lstm);
    gentrain_module_free(head);
    free(data);
    return 0;
}
