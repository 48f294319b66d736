package dev.flowwatch.flowpp.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** JSON of the training state files, in the same style as the bundle manifest. */
final class ModelBundleJson {

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    private ModelBundleJson() {}

    static String write(Object value) {
        return GSON.toJson(value);
    }

    static <T> T read(String json, Class<T> type) {
        return GSON.fromJson(json, type);
    }
}
