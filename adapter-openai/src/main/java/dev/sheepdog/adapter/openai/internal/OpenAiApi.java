package dev.sheepdog.adapter.openai.internal;

import okhttp3.RequestBody;
import okhttp3.ResponseBody;
import retrofit2.Call;
import retrofit2.http.Body;
import retrofit2.http.GET;
import retrofit2.http.Header;
import retrofit2.http.HeaderMap;
import retrofit2.http.POST;

/**
 * The calls of the OpenAI API the router makes. Bodies stay raw: the codec reads them, so that an
 * unreadable reply is classified instead of thrown from a converter.
 */
public interface OpenAiApi {
  @POST("chat/completions")
  Call<ResponseBody> chatCompletions(@Body RequestBody body, @Header("X-Request-Id") String requestId,
      @HeaderMap java.util.Map<String, String> headers);

  @POST("embeddings")
  Call<ResponseBody> embeddings(@Body RequestBody body, @Header("X-Request-Id") String requestId,
      @HeaderMap java.util.Map<String, String> headers);

  @GET("models")
  Call<ResponseBody> models();
}
