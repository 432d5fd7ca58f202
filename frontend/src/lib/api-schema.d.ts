// Generated from the backend's OpenAPI schema by `npm run gen:api` (make api-types): do not edit.
// `npm run check:api`, part of `make test`, fails when this file differs from what the backend produces.

export interface paths {
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** About this API */
        get: operations["root__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Is the model ready to answer?
         * @description 200 once the model is loaded and warmed up, 503 before that or if loading failed.
         */
        get: operations["health_health_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/model": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The model card
         * @description What the loaded model is for, what each class means (malignant, pre-malignant or benign), its data and licence, per-class recall on the held-out test split and its calibration. 503 until the model is loaded.
         */
        get: operations["model_model_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/model/files/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A file to run the model in a browser
         * @description The ONNX model or the answer graph that GET /model's `on_device` names, for the page to answer without sending the photo. 404 for any other name, or when the model cannot run in a browser.
         */
        get: operations["model_file_model_files__name__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/predict": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Classify a skin lesion image
         * @description Classify one image sent as multipart/form-data field 'file'. A dark, bright, blurred or small picture is still classified; `quality_warnings` says what is wrong with it. Every answer says `image_kind`: a lesion name for something that is not a dermoscopy image deserves little trust. With `explain=true` the answer adds a heat map of where the model looked.
         */
        post: operations["predict_predict_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** Body_predict_predict_post */
        Body_predict_predict_post: {
            /**
             * File
             * @description A JPEG, PNG, WebP or HEIC/HEIF image.
             */
            file: string;
        };
        /** ClassScore */
        ClassScore: {
            /** Class Name */
            class_name: string;
            /** Confidence */
            confidence: number;
        };
        /** ErrorResponse */
        ErrorResponse: {
            /**
             * Detail
             * @description What went wrong, in words meant for a person.
             */
            detail: string;
        };
        /** HTTPValidationError */
        HTTPValidationError: {
            /** Detail */
            detail?: components["schemas"]["ValidationError"][];
        };
        /** HealthResponse */
        HealthResponse: {
            /**
             * Status
             * @example ok
             */
            status: string;
            /** Model Version */
            model_version: string;
            /** Runtime */
            runtime: string;
        };
        /** ModelCalibration */
        ModelCalibration: {
            /**
             * Temperature
             * @description Softmax temperature fitted after training.
             */
            temperature?: number | null;
            /**
             * Fitted On
             * @description The split the temperature was fitted on.
             */
            fitted_on?: string | null;
            /**
             * Test Expected Calibration Error
             * @description Mean gap between confidence and accuracy on the test split (0 is perfect).
             */
            test_expected_calibration_error?: number | null;
            /**
             * Uncertainty Threshold
             * @description Below this calibrated top confidence an answer is marked `uncertain`; chosen on the validation split.
             */
            uncertainty_threshold?: number | null;
        };
        /** ModelCardResponse */
        ModelCardResponse: {
            /** Model Version */
            model_version: string;
            /** Runtime */
            runtime: string;
            /** Created At */
            created_at?: string | null;
            /** Backbone */
            backbone?: string | null;
            /** Intended Use */
            intended_use: string;
            /** Disclaimer */
            disclaimer: string;
            /**
             * Classes
             * @description In the model's output order.
             */
            classes: components["schemas"]["ModelClass"][];
            data: components["schemas"]["ModelData"];
            calibration: components["schemas"]["ModelCalibration"];
            /** @description Held-out test split figures, if the artifact has them. */
            test?: components["schemas"]["ModelTestMetrics"] | null;
            /** @description The image-kind check stored with the model; null when the model has none. */
            image_kind?: components["schemas"]["ModelImageKind"] | null;
            /** @description The files to run this model in a browser; null when its runtime is not ONNX. */
            on_device?: components["schemas"]["OnDeviceModel"] | null;
        };
        /** ModelClass */
        ModelClass: {
            /** Name */
            name: string;
            /**
             * Description
             * @description One plain-language sentence; null for a class not known to the API.
             */
            description: string | null;
            /**
             * Descriptions
             * @description The same sentence in every language it is written in, by language code (en: English, as `description`; hi: Hindi). Empty for a class not known to the API.
             */
            descriptions?: {
                [key: string]: string;
            };
            /**
             * Category
             * @enum {string}
             */
            category: "malignant" | "pre-malignant" | "benign" | "unknown";
            /**
             * See A Doctor
             * @description Malignant or pre-malignant: have any such lesion checked by a doctor.
             */
            see_a_doctor: boolean;
            /**
             * Test Recall
             * @description Share of this class's test images the model named correctly.
             */
            test_recall?: number | null;
            /**
             * Test Support
             * @description Test images of this class.
             */
            test_support?: number | null;
        };
        /** ModelData */
        ModelData: {
            /** Description */
            description?: string | null;
            /** Source */
            source?: string | null;
            /** Licence */
            licence?: string | null;
            /**
             * Split Sizes
             * @description Images per split.
             */
            split_sizes?: {
                [key: string]: number;
            };
        };
        /** ModelFile */
        ModelFile: {
            /**
             * Url
             * @description Where to download it, relative to the API's base URL.
             */
            url: string;
            /**
             * Sha256
             * @description SHA-256 of the file, hex: check it before use.
             */
            sha256: string;
            /** Bytes */
            bytes: number;
        };
        /** ModelImageKind */
        ModelImageKind: {
            /**
             * Kinds
             * @description The kinds of picture the check tells apart.
             */
            kinds: string[];
            /**
             * Dermoscopy Threshold
             * @description Dermoscopy probability from which an image counts as dermoscopy.
             */
            dermoscopy_threshold: number;
            /**
             * Validation Dermoscopy Flagged
             * @description Share of the validation split's dermoscopy images the check called something else.
             */
            validation_dermoscopy_flagged?: number | null;
            /**
             * Test Recall
             * @description Share of each kind's test images the check told right.
             */
            test_recall?: {
                [key: string]: number;
            };
        };
        /** ModelTestMetrics */
        ModelTestMetrics: {
            /** Samples */
            samples: number;
            /**
             * Balanced Accuracy
             * @description Mean per-class recall.
             */
            balanced_accuracy?: number | null;
            /** Accuracy */
            accuracy?: number | null;
        };
        /**
         * OnDeviceModel
         * @description What a browser needs to answer without sending the photo: run `model`, then `answer` on its outputs.
         */
        OnDeviceModel: {
            /** Model Version */
            model_version: string;
            /**
             * Image Size
             * @description The model's input: image_size x image_size RGB pixels, 0..255.
             */
            image_size: number;
            /**
             * Class Names
             * @description The order of the model's probabilities.
             */
            class_names: string[];
            /**
             * Image Kinds
             * @description The order of the answer graph's image kinds; empty without a check.
             */
            image_kinds: string[];
            model: components["schemas"]["ModelFile"];
            answer: components["schemas"]["ModelFile"];
        };
        /** PredictionResponse */
        PredictionResponse: {
            /** Predicted Class */
            predicted_class: string;
            /**
             * Confidence
             * @description Confidence of `predicted_class`.
             */
            confidence: number;
            /**
             * All Predictions
             * @description Every class, most likely first; confidences sum to 1.
             */
            all_predictions: components["schemas"]["ClassScore"][];
            /** Model Version */
            model_version: string;
            /**
             * Runtime
             * @description Which runtime of the model answered (keras, tflite-*, onnx).
             */
            runtime: string;
            /**
             * Inference Ms
             * @description Server time to classify this image: decode, preprocess and model forward pass.
             */
            inference_ms: number;
            /**
             * Quality Warnings
             * @description Problems with the picture that make this answer less trustworthy (too dark, too bright, blurred, too small); empty when it looks fine. The image is classified either way. Thresholds: docs/quality-thresholds.md.
             */
            quality_warnings: components["schemas"]["QualityWarning"][];
            /**
             * Uncertain
             * @description The calibrated top confidence is below the model's uncertainty threshold (chosen on validation images, see GET /model): no class is clearly more likely, so the answer names no winner.
             */
            uncertain: boolean;
            /**
             * Image Kind
             * @description What kind of image this looks like to the model: `dermoscopy` (what it was trained on), `skin-photo` (an ordinary photo of skin: the lesion answer is unreliable) or `not-skin`. Null when the model has no image-kind check.
             */
            image_kind: ("dermoscopy" | "skin-photo" | "not-skin") | null;
            /**
             * Image Kind Score
             * @description The image-kind check's probability of `image_kind`.
             */
            image_kind_score: number | null;
            /**
             * Heatmap
             * @description With `explain=true`: where the model looked for the top class (Grad-CAM), as a `data:image/png;base64,...` RGBA image at the upload's aspect ratio, transparent where it did not look; lay it over the picture. Otherwise null.
             */
            heatmap: string | null;
            /**
             * Heatmap Description
             * @description With `explain=true`: the heat map in words (a text alternative). Otherwise null.
             */
            heatmap_description: string | null;
        };
        /** QualityWarning */
        QualityWarning: {
            /**
             * Code
             * @description What is wrong with the picture, for programs; new codes may be added.
             * @enum {string}
             */
            code: "too_dark" | "too_bright" | "blurred" | "too_small";
            /**
             * Message
             * @description The reason and advice on a better photo, in words meant for a person.
             */
            message: string;
        };
        /** RootResponse */
        RootResponse: {
            /** Name */
            name: string;
            /** Version */
            version: string;
            /** Description */
            description: string;
            /** Disclaimer */
            disclaimer: string;
            /**
             * Endpoints
             * @description Path to what it does.
             */
            endpoints: {
                [key: string]: string;
            };
            /**
             * Model Status
             * @description loading, ready or failed.
             */
            model_status: string;
            /**
             * Model Version
             * @description Set once the model has loaded.
             */
            model_version?: string | null;
            /** Runtime */
            runtime?: string | null;
            /**
             * Classes
             * @description What the model can answer, once loaded.
             */
            classes?: string[];
        };
        /** ValidationError */
        ValidationError: {
            /** Location */
            loc: (string | number)[];
            /** Message */
            msg: string;
            /** Error Type */
            type: string;
            /** Input */
            input?: unknown;
            /** Context */
            ctx?: Record<string, never>;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    root__get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RootResponse"];
                };
            };
        };
    };
    health_health_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthResponse"];
                };
            };
            /** @description The model is loading or failed to load. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    model_model_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelCardResponse"];
                };
            };
            /** @description The model is loading or failed to load. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    model_file_model_files__name__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": unknown;
                };
            };
            /** @description No such file. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description The model is loading or failed to load. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    predict_predict_post: {
        parameters: {
            query?: {
                /** @description Add `heatmap`: where the model looked for the top class (costs a few ms). */
                explain?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["Body_predict_predict_post"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PredictionResponse"];
                };
            };
            /** @description The multipart body is malformed, or has more than one file or two fields. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The upload arrived too slowly. */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The upload is over the size limit, or the image has more pixels than its format may have. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Not a JPEG, PNG, WebP or HEIC/HEIF image (judged by the bytes, not the name). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description No 'file' field, an empty file, a damaged, truncated or malformed image, or (with REJECT_NOT_SKIN set) an image that does not look like skin. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The server is busy (load shedding), or the model is loading or failed to load. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
}
