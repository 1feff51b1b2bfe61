package dev.raccoon.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.io.CheckpointException;
import dev.raccoon.model.io.Checkpoints;
import dev.raccoon.model.io.DType;
import dev.raccoon.model.io.SafeTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelDirectoryTest {
    private static Backend backend;

    @BeforeAll
    static void open() { backend = Backends.scalar(); }

    @AfterAll
    static void close() { backend.close(); }

    private static Path copyOfClassifier(Path to) throws IOException {
        Path from = OracleParityTest.oracle("electra-classifier");
        for (String f : List.of("config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"))
            Files.copy(from.resolve(f), to.resolve(f));
        return to;
    }

    private static void rewriteState(Path dir, java.util.function.Consumer<Map<String, HostTensor>> edit) throws IOException {
        Map<String, HostTensor> state = new LinkedHashMap<>(SafeTensors.read(dir.resolve("model.safetensors")));
        edit.accept(state);
        SafeTensors.write(dir.resolve("model.safetensors"), state, Map.of("format", "pt"), DType.F32);
    }

    @Test
    void missingTensorIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyOfClassifier(tmp);
        rewriteState(dir, s -> s.remove("electra.encoder.layer.1.output.dense.bias"));
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("missing ['electra.encoder.layer.1.output.dense.bias']");
    }

    @Test
    void unexpectedTensorIsNamedButBuffersAreIgnored(@TempDir Path tmp) throws IOException {
        Path dir = copyOfClassifier(tmp);
        rewriteState(dir, s -> s.put("electra.extra.weight", new HostTensor(new int[] {2}, new float[2])));
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend))
                .hasMessageContaining("unexpected ['electra.extra.weight']");
        // a name from the file can hold anything: quoted, and without the line break and terminal escape it holds
        Map<String, HostTensor> hostile = new LinkedHashMap<>(SafeTensors.read(dir.resolve("model.safetensors")));
        hostile.put("", hostile.get("electra.extra.weight"));
        hostile.put("evil\nname\u001b[31m", hostile.remove("electra.extra.weight"));
        PretrainedModel model = PretrainedModel.create(Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION,
                ElectraConfig.read(dir.resolve("config.json")), backend);
        assertThatThrownBy(() -> model.loadStateDict(hostile, "model.safetensors"))
                .hasMessage("model.safetensors does not fit ElectraForSequenceClassification with this config.json:"
                        + " unexpected ['', 'evil?name?[31m']");
        assertThatThrownBy(() -> ModelDirectory.requireSizesOfWeights(dir, model.config(),
                Map.of("evil\n.embeddings.word_embeddings.weight", new HostTensor(new int[] {1, 1}, new float[1]))))
                .hasMessageContaining(" evil?.embeddings.word_embeddings.weight, but the weights hold it as [1, 1]");
        rewriteState(dir, s -> {
            s.remove("electra.extra.weight");
            s.put("electra.embeddings.position_ids", new HostTensor(new int[] {1, 3}, new float[] {0, 1, 2}));
        });
        assertThat(ModelDirectory.load(dir, backend).model()).isInstanceOf(SequenceClassifier.class);
    }

    /** TensorFlow's LayerNorm names are renamed as transformers renames them; a file with both names for one is refused. */
    @Test
    void aLayerNormStoredUnderBothItsNamesIsRefused(@TempDir Path tmp) throws IOException {
        Path dir = copyOfClassifier(tmp);
        String weight = "electra.embeddings.LayerNorm.weight", bias = "electra.embeddings.LayerNorm.bias";
        rewriteState(dir, s -> s.put(weight.replace("weight", "gamma"), s.remove(weight)));
        assertThat(ModelDirectory.load(dir, backend).model()).isInstanceOf(SequenceClassifier.class);
        rewriteState(dir, s -> s.put(weight, new HostTensor(s.get(weight.replace("weight", "gamma")).shape(),
                new float[s.get(weight.replace("weight", "gamma")).data().length])));
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).isInstanceOf(IOException.class)
                .hasMessage(dir.resolve("model.safetensors") + ": tensor 'electra.embeddings.LayerNorm.gamma' is the"
                        + " TensorFlow name of 'electra.embeddings.LayerNorm.weight', which the file holds too; one of the two must go");
        rewriteState(dir, s -> {
            s.put(weight, s.remove(weight.replace("weight", "gamma")));
            s.put(bias.replace("bias", "beta"), s.get(bias));
        });
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend))
                .hasMessageContaining("'electra.embeddings.LayerNorm.beta' is the TensorFlow name of 'electra.embeddings.LayerNorm.bias'");
    }

    /** A special token vocab.txt lacks is appended past the embeddings: that token is named, not a count of lines. */
    @Test
    void aSpecialTokenMissingFromVocabTxtIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyOfClassifier(tmp);
        List<String> lines = Files.readAllLines(dir.resolve("vocab.txt"));
        Files.write(dir.resolve("vocab.txt"), lines.stream().map(t -> t.equals("[MASK]") ? "[MASX]" : t).toList());
        int vocabSize = ElectraConfig.read(dir.resolve("config.json")).vocabSize();
        assertThat(lines).hasSize(vocabSize);
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).isInstanceOf(IOException.class)
                .hasMessage(dir + ": vocab.txt has no [MASK], so the tokenizer appends it as id " + vocabSize
                        + " (as transformers does), but config.json's vocab_size " + vocabSize + " gives the model no embedding for it");
    }

    @Test
    void wrongShapeIsNamedWithBothShapes(@TempDir Path tmp) throws IOException {
        Path dir = copyOfClassifier(tmp);
        rewriteState(dir, s -> s.put("classifier.out_proj.bias", new HostTensor(new int[] {3}, new float[3])));
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend))
                .hasMessageContaining("classifier.out_proj.bias")
                .hasMessageContaining("[3]")
                .hasMessageContaining("[2]");
    }

    @Test
    void badConfigFieldsAreExplained(@TempDir Path tmp) throws IOException {
        Path dir = copyOfClassifier(tmp);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.put("hidden_size", "large");
        json.writeValue(dir.resolve("config.json").toFile(), config);
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).hasMessageContaining("hidden_size must be an integer");
        config.put("hidden_size", 63);
        json.writeValue(dir.resolve("config.json").toFile(), config);
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).hasMessageContaining("not a multiple of num_attention_heads");
        Files.writeString(dir.resolve("config.json"), "{ not json");
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).hasMessageContaining("not valid JSON (line 1, column 3: ").hasMessageNotContaining("Source").hasMessageNotContaining("REDACTED");
        // what json.load, which transformers reads config.json with, refuses as "Extra data"
        config.put("hidden_size", 64);
        for (String after : List.of("\n{}", "\n}garbage")) {
            Files.writeString(dir.resolve("config.json"), config + after);
            assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).isInstanceOf(IOException.class)
                    .hasMessageStartingWith(dir.resolve("config.json") + ": not valid JSON (line 2, column ");
        }
        Files.writeString(dir.resolve("config.json"), config + "\n\n");
        assertThat(ModelDirectory.load(dir, backend).config().hiddenSize()).isEqualTo(64);
    }

    @Test
    void sizesInConfigThatTheWeightsDoNotHaveAreRefusedBeforeAnythingIsAllocated(@TempDir Path tmp) throws IOException {
        Path dir = copyOfClassifier(tmp);
        ObjectMapper json = new ObjectMapper();
        ObjectNode original = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        int vocab = original.get("vocab_size").asInt(), embedding = original.get("embedding_size").asInt();
        // each would ask for gigabytes, or more than an array holds, before the weights were compared
        Map<String, String> expected = Map.of(
                "vocab_size", "vocab_size and embedding_size for a 2147483647 x " + embedding
                        + " electra.embeddings.word_embeddings.weight, but the weights hold it as [" + vocab + ", " + embedding + "]",
                "max_position_embeddings", "max_position_embeddings and embedding_size",
                "intermediate_size", "intermediate_size and hidden_size",
                "num_hidden_layers", "num_hidden_layers 2147483647, but the weights hold 2 layers");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            ObjectNode config = original.deepCopy();
            config.put(e.getKey(), Integer.MAX_VALUE);
            json.writeValue(dir.resolve("config.json").toFile(), config);
            assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).as(e.getKey()).isInstanceOf(IOException.class)
                    .hasMessageStartingWith(dir.resolve("config.json") + " gives").hasMessageContaining(e.getValue());
        }
    }

    /** A pruned Hugging Face cache leaves links to blobs that are gone: named as such, not as files never there. */
    @Test
    void brokenLinksAndDirectoriesInPlaceOfFilesAreNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyOfClassifier(Files.createDirectory(tmp.resolve("model")));
        Files.delete(dir.resolve("model.safetensors"));
        Files.createSymbolicLink(dir.resolve("model.safetensors"), tmp.resolve("blobs/3f2a"));
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).isInstanceOf(IOException.class)
                .hasMessageContaining(dir.resolve("model.safetensors") + ": a symbolic link to " + tmp.resolve("blobs/3f2a")
                        + ", which does not exist");
        Files.delete(dir.resolve("config.json"));
        Files.createSymbolicLink(dir.resolve("config.json"), tmp.resolve("blobs/91c0"));
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).hasMessageContaining("config.json: a symbolic link to");

        // a loop is no pruned cache, and is not called one
        Files.delete(dir.resolve("model.safetensors"));
        Files.createSymbolicLink(dir.resolve("model.safetensors"), Path.of("model.safetensors"));
        assertThatThrownBy(() -> Checkpoints.readStateDict(dir)).isInstanceOf(IOException.class)
                .hasMessage(dir.resolve("model.safetensors") + ": a symbolic link to model.safetensors, which leads back"
                        + " to itself (a loop of links)");
        Path loop = Files.createSymbolicLink(tmp.resolve("loop"), Path.of("loop"));
        assertThatThrownBy(() -> ModelDirectory.load(loop, backend))
                .hasMessage(loop + ": a symbolic link to loop, which leads back to itself (a loop of links)");

        Path other = copyOfClassifier(Files.createDirectory(tmp.resolve("other")));
        Files.delete(other.resolve("vocab.txt"));
        Files.createDirectory(other.resolve("vocab.txt"));
        assertThatThrownBy(() -> ModelDirectory.load(other, backend)).isInstanceOf(IOException.class)
                .hasMessageContaining(other.resolve("vocab.txt") + ": a directory, where a file belongs");
        for (String file : List.of("config.json", "tokenizer_config.json", "tokenizer.json")) {
            Path model = copyOfClassifier(Files.createDirectory(tmp.resolve("dir-" + file)));
            Files.deleteIfExists(model.resolve(file));
            Files.createDirectory(model.resolve(file));
            assertThatThrownBy(() -> ModelDirectory.load(model, backend)).isInstanceOf(IOException.class)
                    .hasMessage(model.resolve(file) + ": a directory, where a file belongs");
        }
    }

    /** What would be read forever, or fill the heap, is refused at once. */
    @Test
    void endlessFilesAndLabelCountsAreRefusedAtOnce(@TempDir Path tmp) throws IOException {
        Path dir = copyOfClassifier(Files.createDirectory(tmp.resolve("model")));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.remove("id2label");
        config.remove("label2id");
        json.writeValue(dir.resolve("config.json").toFile(), config.put("num_labels", Integer.MAX_VALUE));
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).isInstanceOf(IOException.class)
                .hasMessage(dir.resolve("config.json") + ": num_labels 2147483647 is over the limit of 65536 labels");

        Files.delete(dir.resolve("config.json"));
        Files.createSymbolicLink(dir.resolve("config.json"), Path.of("/dev/zero"));
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).isInstanceOf(IOException.class)
                .hasMessage(dir.resolve("config.json") + ": not a regular file (a device, pipe or socket), where a file belongs");

        Path other = copyOfClassifier(Files.createDirectory(tmp.resolve("other")));
        try (var vocab = new java.io.RandomAccessFile(other.resolve("vocab.txt").toFile(), "rw")) {
            vocab.setLength(101L << 20); // sparse: nothing is written
        }
        assertThatThrownBy(() -> ModelDirectory.load(other, backend)).isInstanceOf(IOException.class)
                .hasMessage(other.resolve("vocab.txt") + ": holds 105906176 bytes, more than the 104857600 a config,"
                        + " vocabulary or tokenizer file may");
    }

    @Test
    void weightsOfTheOtherFamilyThanModelTypeAreSaidFirst(@TempDir Path tmp) throws IOException {
        Path dir = copyOfClassifier(tmp);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        json.writeValue(dir.resolve("config.json").toFile(), config.put("model_type", "bert"));
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).isInstanceOf(IOException.class)
                .hasMessage(dir.resolve("config.json") + ": model_type is bert, but the weights are ELECTRA's (electra.* names);"
                        + " set \"model_type\": \"electra\"");
        rewriteState(dir, state -> {
            Map<String, HostTensor> renamed = new LinkedHashMap<>();
            state.forEach((k, t) -> renamed.put(k.replaceFirst("^electra\\.", "bert."), t));
            state.clear();
            state.putAll(renamed);
        });
        config.remove("model_type");
        json.writeValue(dir.resolve("config.json").toFile(), config);
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).hasMessageContaining("model_type is electra or missing, but the"
                + " weights are BERT's (bert.* names); set \"model_type\": \"bert\"");
    }

    @Test
    void missingDirectoryAndConfigAreReported(@TempDir Path tmp) {
        assertThatThrownBy(() -> ModelDirectory.load(tmp.resolve("nope"), backend)).hasMessageContaining("no such model directory");
        assertThatThrownBy(() -> ModelDirectory.load(tmp, backend)).hasMessageContaining("no config.json");
    }

    @Test
    void saveThenLoadGivesTheSameLogitsAndNamesTheArchitecture(@TempDir Path tmp) throws IOException {
        ModelDirectory original = ModelDirectory.load(copyOfClassifier(Files.createDirectory(tmp.resolve("a"))), backend);
        Path saved = tmp.resolve("b");
        ModelDirectory.save(saved, original.model(), original.tokenizer(), DType.F32);
        ModelDirectory reloaded = ModelDirectory.load(saved, backend);
        assertThat(reloaded.config().architectures()).containsExactly("ElectraForSequenceClassification");
        assertThat(reloaded.config().labels()).isEqualTo(original.config().labels());
        Batch batch = Batch.of(List.of(original.tokenizer().encode("정말 재밌어요", null, 128)), 0);
        float[] a = backend.read(((SequenceClassifier) original.model()).logits(batch));
        float[] b = backend.read(((SequenceClassifier) reloaded.model()).logits(batch));
        assertThat(b).containsExactly(a);
    }

    @Test
    void aStoredHeadThatDiffersFromTheEmbeddingsItIsTiedToIsRefused(@TempDir Path tmp) throws IOException {
        Path from = OracleParityTest.oracle("electra-generator");
        for (String f : List.of("config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"))
            Files.copy(from.resolve(f), tmp.resolve(f));
        assertThat(ModelDirectory.load(tmp, backend).model()).isInstanceOf(ElectraForMaskedLM.class); // equal copies load
        rewriteState(tmp, state -> {
            HostTensor head = state.get("generator_lm_head.weight");
            float[] changed = head.data().clone();
            changed[7] += 0.5f;
            state.put("generator_lm_head.weight", new HostTensor(head.shape(), changed));
        });
        assertThatThrownBy(() -> ModelDirectory.load(tmp, backend))
                .hasMessageContaining("generator_lm_head.weight differs from electra.embeddings.word_embeddings.weight (by up to 0.5")
                .hasMessageContaining("\"tie_word_embeddings\": false");
    }

    @Test
    void configNamesTheDtypeTheWeightsAreWrittenIn(@TempDir Path tmp) throws IOException {
        // A model that came in float16 (transformers 4 wrote torch_dtype, 5 writes dtype) and is saved again.
        Path half = copyOfClassifier(Files.createDirectory(tmp.resolve("a")));
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(half.resolve("config.json").toFile());
        json.put("dtype", "float16").put("torch_dtype", "float16");
        Files.writeString(half.resolve("config.json"), json.toString());
        ModelDirectory original = ModelDirectory.load(half, backend);
        for (DType dtype : List.of(DType.F32, DType.BF16)) {
            Path saved = tmp.resolve(dtype.name());
            ModelDirectory.save(saved, original.model(), original.tokenizer(), dtype);
            ElectraConfig written = ElectraConfig.read(saved.resolve("config.json"));
            assertThat(written.extra().get("dtype").asText()).isEqualTo(dtype.torchName());
            assertThat(written.extra().get("torch_dtype").asText()).isEqualTo(dtype.torchName());
        }
    }

    /** A weight float16 would store as infinity is refused by name before anything is written; bfloat16 keeps it. */
    @Test
    void weightsBeyondTheDtypesRangeAreRefusedBeforeWriting(@TempDir Path tmp) throws IOException {
        ModelDirectory original = ModelDirectory.load(copyOfClassifier(Files.createDirectory(tmp.resolve("a"))), backend);
        Param embeddings = original.model().params().get("electra.embeddings.word_embeddings.weight");
        float[] values = backend.read(embeddings.value());
        values[1600] = 1e5f;
        backend.write(embeddings.value(), values);
        Path half = tmp.resolve("f16");
        assertThatThrownBy(() -> ModelDirectory.save(half, original.model(), original.tokenizer(), DType.F16))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor electra.embeddings.word_embeddings.weight cannot be written as float16: "
                        + "element 1600 is 100000.0, beyond its range");
        assertThat(half).doesNotExist();
        ModelDirectory.save(tmp.resolve("bf16"), original.model(), original.tokenizer(), DType.BF16);
        assertThat(ModelDirectory.load(tmp.resolve("bf16"), backend).model().params()
                .get("electra.embeddings.word_embeddings.weight").value()).isNotNull();
        values[7] = Float.NaN;
        backend.write(embeddings.value(), values);
        assertThatThrownBy(() -> ModelDirectory.save(tmp.resolve("nan"), original.model(), original.tokenizer(), DType.F32))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("it holds NaN (element 7)");
    }

    /** Labels and the problem type change what a model's answers mean: a config that garbles them is refused. */
    @Test
    void garbledLabelsOrProblemTypeAreRefused(@TempDir Path tmp) throws IOException {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"id2label\": [\"negative\", \"positive\"]}", "id2label must be an object of id: label, found ARRAY");
        cases.put("{\"id2label\": {\"0\": 1, \"1\": null}}", "id2label 0 must be a label name (a string), found 1");
        cases.put("{\"problem_type\": \"foo\"}", "problem_type must be one of [regression, single_label_classification, "
                + "multi_label_classification], found \"foo\"");
        // what transformers would read otherwise, or refuse, is refused here too, not taken for a default
        cases.put("{\"id2label\": {\"0\": \"a\", \"1\": \"a\"}}", "id2label names 'a' twice (ids 0 and 1), so an answer of it would not say which");
        cases.put("{\"id2label\": {\"0\": \"neg\", \"1\": \"pos\"}, \"label2id\": {\"neg\": 1, \"pos\": 0}}",
                "label2id gives 'neg' the id 1, but id2label gives it 0");
        cases.put("{\"tie_word_embeddings\": \"no\"}", "tie_word_embeddings must be true or false, found \"no\"");
        cases.put("{\"classifier_dropout\": \"x\"}", "classifier_dropout must be a number, found \"x\"");
        cases.put("{\"architectures\": \"ElectraForSequenceClassification\"}",
                "architectures must be a list of class names, found \"ElectraForSequenceClassification\"");
        cases.put("{\"vocab_size\": 100, \"pad_token_id\": 100}", "pad_token_id 100 is not an id of the vocab_size 100 embeddings");
        cases.put("{\"position_embedding_type\": \"relative_key\"}", "position_embedding_type \"relative_key\" is not supported"
                + " (Raccoon implements \"absolute\" position embeddings, those of the published ELECTRA and BERT models)");
        cases.put("{\"is_decoder\": true}", "is_decoder true is not supported (Raccoon's encoder is bidirectional;"
                + " transformers would let each token see only those before it)");
        assertEachConfigRefused(tmp, cases);
        Path fine = tmp.resolve("fine.json");
        Files.writeString(fine, "{\"id2label\": {}, \"num_labels\": 3, \"problem_type\": \"regression\"}");
        assertThat(ElectraConfig.read(fine).labels()).containsExactly("LABEL_0", "LABEL_1", "LABEL_2");
        // a stale label2id of the default names, left when id2label was set afterwards, is ignored as transformers ignores it
        Files.writeString(fine, "{\"id2label\": {\"0\": \"neg\", \"1\": \"pos\"}, \"label2id\": {\"LABEL_0\": 0, \"LABEL_1\": 1}}");
        assertThat(ElectraConfig.read(fine).labels()).containsExactly("neg", "pos");
        // ids as strings, which transformers converts
        Files.writeString(fine, "{\"id2label\": {\"0\": \"neg\", \"1\": \"pos\"}, \"label2id\": {\"neg\": \"0\", \"pos\": \"1\"}}");
        assertThat(ElectraConfig.read(fine).labels()).containsExactly("neg", "pos");
        // a pretrained encoder's labels go unused, so what they say does not stop it
        Files.writeString(fine, "{\"architectures\": [\"ElectraForPreTraining\"], \"id2label\": {\"0\": \"a\", \"1\": \"a\"}}");
        assertThat(ElectraConfig.read(fine).labels()).containsExactly("a", "a");
        Files.writeString(fine, "{\"is_decoder\": false}");
        assertThat(ElectraConfig.read(fine).extra()).containsKey("is_decoder");
        // a BERT config from before transformers wrote model_type
        Files.writeString(fine, "{\"architectures\": [\"BertForMaskedLM\"], \"hidden_size\": 64, \"num_attention_heads\": 2}");
        assertThat(ElectraConfig.read(fine).isBert()).isTrue();
        assertThat(ElectraConfig.read(fine).embeddingSize()).isEqualTo(64);
        // transformers' BertModel has no embedding_size and ignores one: so does Raccoon, and keeps it for writing
        Files.writeString(fine, "{\"model_type\": \"bert\", \"hidden_size\": 64, \"num_attention_heads\": 2, \"embedding_size\": 128}");
        assertThat(ElectraConfig.read(fine).embeddingSize()).isEqualTo(64);
        assertThat(ElectraConfig.read(fine).toJson().get("embedding_size").intValue()).isEqualTo(128);
    }

    /**
     * A layer_norm_eps that is not positive makes every output NaN, and a dropout outside [0, 1) cannot train: both
     * are refused as config.json is read, so predict, serve and export refuse them as train does.
     */
    @Test
    void numbersThatMakeAModelUnusableAreRefusedByName(@TempDir Path tmp) throws IOException {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"layer_norm_eps\": -1.0}", "layer_norm_eps -1.0 must be a positive number (transformers' default is 1e-12)");
        cases.put("{\"layer_norm_eps\": 0}", "layer_norm_eps 0.0 must be a positive number (transformers' default is 1e-12)");
        cases.put("{\"hidden_dropout_prob\": 2.0}", "hidden_dropout_prob 2.0 must lie in [0, 1)");
        cases.put("{\"attention_probs_dropout_prob\": -0.1}", "attention_probs_dropout_prob -0.1 must lie in [0, 1)");
        cases.put("{\"classifier_dropout\": 1}", "classifier_dropout 1.0 must lie in [0, 1)");
        assertEachConfigRefused(tmp, cases);
        Path dir = copyOfClassifier(Files.createDirectory(tmp.resolve("model")));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        json.writeValue(dir.resolve("config.json").toFile(), config.put("layer_norm_eps", -1.0));
        assertThatThrownBy(() -> ModelDirectory.load(dir, backend)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(dir.resolve("config.json") + ": layer_norm_eps -1.0");
    }

    /** Each config.json (key) is refused as it is read, with its path and the message (value). */
    private static void assertEachConfigRefused(Path tmp, Map<String, String> cases) throws IOException {
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path file = tmp.resolve("config" + i++ + ".json");
            Files.writeString(file, c.getKey());
            assertThatThrownBy(() -> ElectraConfig.read(file)).isInstanceOf(IOException.class)
                    .hasMessage(file + ": " + c.getValue());
        }
    }

    @Test
    void configRoundTripKeepsUnknownFieldsAndLabels(@TempDir Path tmp) throws IOException {
        ElectraConfig config = ElectraConfig.read(OracleParityTest.oracle("electra-classifier/config.json"))
                .withLabels(List.of("negative", "neutral", "positive"));
        config.write(tmp.resolve("config.json"));
        ElectraConfig again = ElectraConfig.read(tmp.resolve("config.json"));
        assertThat(again).isEqualTo(config);
        assertThat(again.extra()).containsKey("summary_type");
        assertThat(again.labels()).containsExactly("negative", "neutral", "positive");
    }
}
